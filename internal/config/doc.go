// Package config loads and validates the station configuration: a YAML file
// (unknown keys rejected) over built-in defaults, then environment overrides
// named STATION_<SECTION>_<KEY>, such as STATION_DATA_DIR, STATION_HTTP_LISTEN,
// STATION_REGISTRY_URL and STATION_REGISTRY_KIND. Validation collects every
// problem at once and each message names the key and how to fix it.
//
// Secrets (the registry client secret, the key-encryption key) are better
// given through files or the environment than in the YAML file.
package config
