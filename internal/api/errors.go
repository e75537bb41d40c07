package api

import "errors"

// Errors a backend returns so that the HTTP layer answers the right status.
var (
	// ErrNotFound: the item or record does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrBadRequest: the input is malformed or invalid (400).
	ErrBadRequest = errors.New("bad request")
	// ErrConflict: the request conflicts with the current state (409).
	ErrConflict = errors.New("conflict")
	// ErrRefused: the station refuses new work for now, e.g. low disk (507).
	ErrRefused = errors.New("refused")
)
