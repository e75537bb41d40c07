// Package faces provides face images for the face-capture tests and the
// camera simulator: a public-domain portrait photograph (testdata/README.md
// says where it comes from), embedded so that tests and simulators need no
// file at run time.
package faces
