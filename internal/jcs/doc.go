// Package jcs produces the JSON Canonicalization Scheme form (RFC 8785) of a
// JSON text: object members sorted by the UTF-16 code units of their names,
// no insignificant whitespace, strings with the minimal escaping and numbers
// written the way ECMAScript writes an IEEE 754 double.
//
// OSIA integrity blocks hash the canonical form of the scoped nodes, so two
// registries that re-encode the same identity differently still agree on its
// hash. The input is untrusted: duplicate member names, invalid UTF-8, lone
// surrogate escapes, numbers outside the double range and nesting deeper than
// MaxDepth are rejected.
package jcs
