// Package osiaspec embeds the OSIA Population Registry Management v1.5 OpenAPI
// description (unmodified, see README.md for its origin and licence) and
// loads it for request and response validation. The registry simulator
// validates what it receives against it, and the connector's tests validate
// every request the station sends.
package osiaspec

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed pr.yaml
var prYAML []byte

// PRYAML returns a copy of the embedded pr.yaml document.
func PRYAML() []byte { return append([]byte(nil), prYAML...) }

// Load parses and validates the embedded OSIA PR v1.5 document. Its server
// list is cleared so that routes match on any host.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(prYAML)
	if err != nil {
		return nil, fmt.Errorf("osiaspec: parse pr.yaml: %w", err)
	}
	// The document's own PATCH example omits a required property (a merge
	// patch is partial by nature), so examples are not validated.
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("osiaspec: pr.yaml is not a valid OpenAPI document: %w", err)
	}
	doc.Servers = nil
	return doc, nil
}

// Router loads the document and returns a router that finds the operation
// for a request, for use with openapi3filter.
func Router(ctx context.Context) (*openapi3.T, routers.Router, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("osiaspec: build router: %w", err)
	}
	return doc, r, nil
}
