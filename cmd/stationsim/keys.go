package main

import (
	"maps"
	"slices"
	"strings"
)

// keys lists a map's keys, sorted.
func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// sortedKeys lists a map's keys, sorted and comma-separated.
func sortedKeys[V any](m map[string]V) string { return strings.Join(keys(m), ", ") }
