// Package docs holds the API reference; the OpenAPI document is embedded in the binary and
// served at /v1/openapi.yaml.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
