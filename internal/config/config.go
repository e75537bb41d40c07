package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/capturestation/station/capture/enrollment/workflow"
)

// Config is the whole station configuration. Every key can be overridden by
// an environment variable named STATION_<SECTION>_<KEY> (upper case, e.g.
// STATION_REGISTRY_URL for registry.url); lists are comma-separated.
type Config struct {
	Station  Station  `yaml:"station"`
	Data     Data     `yaml:"data"`
	HTTP     HTTP     `yaml:"http"`
	Registry Registry `yaml:"registry"`
	// Targets are further registries every enrollment is delivered to as
	// well (fan-out), each with its own queue state. They are set in the
	// file only (no environment overrides).
	Targets     []Registry  `yaml:"targets"`
	Sync        Sync        `yaml:"sync"`
	Fingerprint Fingerprint `yaml:"fingerprint"`
	Camera      Camera      `yaml:"camera"`
	// DocumentCamera films the document's data page for the MRZ reader.
	// Its device "camera" shares the face camera (the operator holds the
	// page up to it); empty means none (the MRZ is typed or scanned).
	DocumentCamera Camera `yaml:"document_camera"`
	Chip           Chip   `yaml:"chip"`
	// Workflow is the deployment's enrollment policy (set in the file).
	Workflow workflow.Policy `yaml:"workflow"`
	Simulate Simulate        `yaml:"simulate"`
	Log      Log             `yaml:"log"`
}

// Chip is the station's document chip reader (PC/SC).
type Chip struct {
	// Reader names the PC/SC reader (exact, or a unique part of its name);
	// empty takes the first reader holding a card.
	Reader string `yaml:"reader"`
	// CSCADir holds the CSCA certificates and master lists passive
	// authentication trusts; without it no chip counts as genuine.
	CSCADir string `yaml:"csca_dir"`
	// ShortAPDUs reads with short APDUs, for readers that do not pass
	// extended-length APDUs.
	ShortAPDUs bool `yaml:"short_apdus"`
}

// Camera is one of the station's cameras.
type Camera struct {
	// Device is a device index ("0"), a V4L2 device ("/dev/video0"), a
	// video file or a stream URL; empty means no camera.
	Device string `yaml:"device"`
	// Width, Height and FPS ask the camera for a mode; MJPG asks for
	// Motion-JPEG (USB cameras need it for high resolutions).
	Width  int     `yaml:"width"`
	Height int     `yaml:"height"`
	FPS    float64 `yaml:"fps"`
	MJPG   bool    `yaml:"mjpg"`
}

// Fingerprint says where the station looks for fingerprint scanners.
type Fingerprint struct {
	// SerialPorts are glob patterns of the ttys probed for serial optical
	// modules (ZFM-20, R305, R307, R503, AS608); empty: the driver's usual
	// USB-serial and on-board UART names.
	SerialPorts []string `yaml:"serial_ports"`
	// SerialBaud is the modules' line speed (9600 × 1 to 12).
	SerialBaud int `yaml:"serial_baud"`
	// USB looks for U.are.U 4000-class press readers.
	USB bool `yaml:"usb"`
	// Poll is how often scanners are looked for (hotplug).
	Poll time.Duration `yaml:"poll"`
}

// Station identifies this station.
type Station struct {
	// ID names the station in every enrollment and registry call.
	ID string `yaml:"id"`
}

// Data says where the station keeps its state.
type Data struct {
	// Dir holds the database, the key file and the control socket.
	Dir string `yaml:"dir"`
	// KEKFile is the key-encryption key file; default <dir>/station.kek.
	// The environment variable STATION_KEK, when set, is used instead.
	KEKFile string `yaml:"kek_file"`
	// MinFreeMB is the free space under Dir below which new enrollments are refused.
	MinFreeMB int `yaml:"min_free_mb"`
	// SocketGroup is the group that may use the control socket (empty: the daemon's group).
	SocketGroup string `yaml:"socket_group"`
}

// HTTP configures the operator's HTTP server.
type HTTP struct {
	// Listen is the TCP address of the web UI and API; loopback by default.
	Listen string `yaml:"listen"`
	// SessionIdle is how long an operator session lives without activity.
	SessionIdle time.Duration `yaml:"session_idle"`
	// SessionMax is the longest an operator session lives.
	SessionMax time.Duration `yaml:"session_max"`
}

// Registry configures the central registry the station syncs to.
type Registry struct {
	// Name identifies the target in the queue, health and receipts;
	// default: the kind.
	Name string `yaml:"name"`
	// Kind selects the connector; "osia" (OSIA Population Registry v1.5) is the default.
	Kind string `yaml:"kind"`
	// URL is the registry's base URL.
	URL string `yaml:"url"`
	// TokenURL is the OAuth2 token endpoint; empty means no OAuth2.
	TokenURL string `yaml:"token_url"`
	// ClientID and ClientSecret are the OAuth2 client credentials.
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// ClientSecretFile holds the client secret instead of ClientSecret.
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes are the OAuth2 scopes requested.
	Scopes []string `yaml:"scopes"`
	// CAFile, CertFile and KeyFile configure TLS and mutual TLS.
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Timeout bounds one registry call.
	Timeout time.Duration `yaml:"timeout"`
	// Galleries lists the galleries new identities are put in.
	Galleries []string `yaml:"galleries"`
	// IdentityType is the OSIA identityType given to new identities.
	IdentityType string `yaml:"identity_type"`
	// SPID, DIS and IDV hold the settings of those kinds (set in the
	// file only).
	SPID      SPID      `yaml:"spid"`
	DIS       DIS       `yaml:"dis"`
	IDV       IDV       `yaml:"idv"`
	PersonAPI PersonAPI `yaml:"personapi"`
}

// PersonAPI configures the person registry connector.
type PersonAPI struct {
	// DocumentTypes maps the station's document types (PASSPORT, ID_CARD,
	// ...) to the registry's identifier types; empty means the
	// connector's defaults.
	DocumentTypes map[string]string `yaml:"document_types"`
	// EnrollmentIdentifierType is the identifier type carrying the
	// enrollment's transaction ID.
	EnrollmentIdentifierType string `yaml:"enrollment_identifier_type"`
	// NameLanguages are the three-letter languages of names.
	NameLanguages []string `yaml:"name_languages"`
	// PersonSecretFile holds the key each person's secret is derived from
	// (mode 0600); empty sends no secret.
	PersonSecretFile string `yaml:"person_secret_file"`
	// DisableLookup skips the search for an earlier delivery, for
	// registries without it.
	DisableLookup bool `yaml:"disable_lookup"`
}

// DIS configures the Digital Identity Service connector.
type DIS struct {
	// APIToken is the station's API token; APITokenFile holds it instead
	// (mode 0600).
	APIToken     string `yaml:"api_token"`
	APITokenFile string `yaml:"api_token_file"`
	// SessionTimeout is the lifetime asked for each session (whole
	// seconds); 0 means the connector's default.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// DirectToken sends the API token on every call instead of opening
	// sessions.
	DirectToken bool `yaml:"direct_token"`
	// DocumentSources are the inspection sources asked for.
	DocumentSources []string `yaml:"document_sources"`
	// TrustPlatform stores the customer under the person ID after the
	// inspections.
	TrustPlatform bool `yaml:"trust_platform"`
}

// IDV configures the identity-verification session connector.
type IDV struct {
	// Latitude and Longitude locate the station; they go with every
	// document image.
	Latitude  float64 `yaml:"latitude"`
	Longitude float64 `yaml:"longitude"`
	// Checks are the verifications asked for; empty means the connector's
	// default set.
	Checks []string `yaml:"checks"`
	// WebhookURL, when set, is given to the service for its notifications.
	WebhookURL string `yaml:"webhook_url"`
}

// SPID tunes the polling of SPID Server enrollment transactions; zero
// values take the connector's defaults.
type SPID struct {
	// PollInterval is the first pause between two result polls.
	PollInterval time.Duration `yaml:"poll_interval"`
	// MaxPollInterval caps the growing pause.
	MaxPollInterval time.Duration `yaml:"max_poll_interval"`
	// MaxPollWait bounds one delivery's wait; a transaction still pending
	// is polled again at the next attempt. Keep it below sync.lease.
	MaxPollWait time.Duration `yaml:"max_poll_wait"`
}

// Sync configures delivery from the outbox to the registry.
type Sync struct {
	Concurrency int           `yaml:"concurrency"`
	BaseBackoff time.Duration `yaml:"base_backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	Lease       time.Duration `yaml:"lease"`
	// StuckAfter is the age at which an undelivered enrollment raises a health warning.
	StuckAfter time.Duration `yaml:"stuck_after"`
	// Retention is how long biometric data is kept after confirmed delivery.
	Retention time.Duration `yaml:"retention"`
}

// Simulate starts simulators inside the daemon (make run, demos, CI).
type Simulate struct {
	// Registry starts an in-process OSIA registry simulator at RegistryListen.
	Registry       bool   `yaml:"registry"`
	RegistryListen string `yaml:"registry_listen"`
	// Fingerprint attaches simulated fingerprint scanners: a serial module
	// on a pseudo-terminal and a USB press reader, each serving generated
	// prints through the real driver.
	Fingerprint bool `yaml:"fingerprint"`
	// Camera replaces camera.device by a simulated camera filming a
	// subject who arrives, moves, blinks and turns.
	Camera bool `yaml:"camera"`
	// DocumentCamera replaces document_camera.device by a simulated
	// document camera filming the data page of the virtual ePassport of
	// Chip (its MRZ) being put down and held under it.
	DocumentCamera bool `yaml:"document_camera"`
	// Chip replaces the PC/SC reader by a virtual ePassport (ICAO 9303
	// specimen data, PACE, signed by a test PKI that is also trusted).
	Chip bool `yaml:"chip"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// Kinds lists the registry kinds the station knows.
var kinds = []string{"osia", "dis", "spid", "personapi", "idv"}

// Default returns the configuration used for keys a file does not set.
func Default() Config {
	return Config{
		Station: Station{ID: "station-1"},
		Data:    Data{Dir: "/var/lib/capture-station", MinFreeMB: 512},
		HTTP:    HTTP{Listen: "127.0.0.1:8080", SessionIdle: 15 * time.Minute, SessionMax: 12 * time.Hour},
		Registry: Registry{
			Kind: "osia", Timeout: 30 * time.Second, IdentityType: "CIVIL",
		},
		Sync: Sync{
			Concurrency: 4, BaseBackoff: time.Second, MaxBackoff: 5 * time.Minute,
			Lease: 2 * time.Minute, StuckAfter: 24 * time.Hour, Retention: 30 * 24 * time.Hour,
		},
		Fingerprint: Fingerprint{SerialBaud: 57600, USB: true, Poll: 2 * time.Second},
		Camera:      Camera{Width: 640, Height: 480, FPS: 15},
		// MRZ characters need about 15 pixels each: a high resolution.
		DocumentCamera: Camera{Width: 1920, Height: 1080, FPS: 15, MJPG: true},
		Workflow:       workflow.DefaultPolicy(),
		Simulate:       Simulate{RegistryListen: "127.0.0.1:8090"},
		Log:            Log{Level: "info", Format: "text"},
	}
}

// maxFileSize bounds a configuration file.
const maxFileSize = 1 << 20

// Load reads the YAML file at path (empty: defaults only), applies the
// environment overrides from environ (as os.Environ), fills derived defaults
// and validates the result.
func Load(path string, environ []string) (Config, error) {
	var data []byte
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
		if err != nil {
			return Config{}, fmt.Errorf("config: read %s: %w", path, err)
		}
		if len(data) > maxFileSize {
			return Config{}, fmt.Errorf("config: %s is larger than %d bytes", path, maxFileSize)
		}
	}
	cfg, err := Parse(data, environ)
	if err != nil && path != "" {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, err
}

// Parse decodes YAML data over the defaults, applies environment overrides
// and validates. Unknown keys are errors, so a typo never goes unnoticed.
func Parse(data []byte, environ []string) (Config, error) {
	cfg := Default()
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return Config{}, err
	}
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// fill sets defaults that derive from other keys.
func (c *Config) fill() {
	// A relative data dir is relative to the working directory, as typed.
	if c.Data.Dir != "" && !filepath.IsAbs(c.Data.Dir) {
		if abs, err := filepath.Abs(c.Data.Dir); err == nil {
			c.Data.Dir = abs
		}
	}
	if c.Data.KEKFile == "" && c.Data.Dir != "" {
		c.Data.KEKFile = c.KEKPath()
	}
	d := Default().Registry
	for i := range c.Targets {
		t := &c.Targets[i]
		if t.Kind == "" {
			t.Kind = d.Kind
		}
		if t.Timeout == 0 {
			t.Timeout = d.Timeout
		}
		if t.IdentityType == "" {
			t.IdentityType = d.IdentityType
		}
	}
}

// AllTargets returns the primary registry followed by the fan-out targets,
// each named (a target without a name is named after its kind).
func (c Config) AllTargets() []Registry {
	all := append([]Registry{c.Registry}, c.Targets...)
	for i := range all {
		if all[i].Name == "" {
			all[i].Name = all[i].Kind
		}
	}
	return all
}

// KEKPath is the key-encryption key file: data.kek_file, or station.kek in
// the data dir.
func (c Config) KEKPath() string {
	if c.Data.KEKFile != "" {
		return c.Data.KEKFile
	}
	return filepath.Join(c.Data.Dir, "station.kek")
}

// DBPath is the station database file.
func (c Config) DBPath() string { return filepath.Join(c.Data.Dir, "station.db") }

// SocketPath is the control socket stationctl talks to.
func (c Config) SocketPath() string { return filepath.Join(c.Data.Dir, "stationd.sock") }

// Validate checks every key and names the key and the fix in its error.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Station.ID == "" || !validToken(c.Station.ID) {
		bad("station.id", "must be 1–64 letters, digits, '-', '_' or '.', got %q", c.Station.ID)
	}
	if c.Data.Dir == "" {
		bad("data.dir", "must name a directory (set it in the file or STATION_DATA_DIR)")
	}
	if c.Data.MinFreeMB < 0 {
		bad("data.min_free_mb", "must be 0 or more, got %d", c.Data.MinFreeMB)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "must be host:port such as 127.0.0.1:8080, got %q", c.HTTP.Listen)
	}
	if c.HTTP.SessionIdle <= 0 || c.HTTP.SessionMax < c.HTTP.SessionIdle {
		bad("http.session_idle", "must be positive and not above http.session_max")
	}
	names := map[string]bool{}
	for i, r := range c.AllTargets() {
		prefix := "registry"
		if i > 0 {
			prefix = fmt.Sprintf("targets[%d]", i-1)
		}
		errs = append(errs, validateRegistry(prefix, r, i == 0)...)
		if names[r.Name] {
			bad(prefix+".name", "%q is used by another target; give each target its own name", r.Name)
		}
		names[r.Name] = true
	}
	if c.Sync.Concurrency < 1 || c.Sync.Concurrency > 64 {
		bad("sync.concurrency", "must be from 1 to 64, got %d", c.Sync.Concurrency)
	}
	if c.Sync.BaseBackoff <= 0 || c.Sync.MaxBackoff < c.Sync.BaseBackoff {
		bad("sync.base_backoff", "must be positive and not above sync.max_backoff")
	}
	if c.Sync.Lease < time.Second {
		bad("sync.lease", "must be at least 1s, got %s", c.Sync.Lease)
	}
	if c.Sync.StuckAfter <= 0 {
		bad("sync.stuck_after", "must be positive, such as 24h")
	}
	if c.Sync.Retention < 0 {
		bad("sync.retention", "must be 0 (purge at delivery) or more")
	}
	if c.Fingerprint.SerialBaud < 9600 || c.Fingerprint.SerialBaud > 115200 || c.Fingerprint.SerialBaud%9600 != 0 {
		bad("fingerprint.serial_baud", "must be a multiple of 9600 from 9600 to 115200, got %d", c.Fingerprint.SerialBaud)
	}
	if c.Fingerprint.Poll < 100*time.Millisecond {
		bad("fingerprint.poll", "must be at least 100ms, got %s", c.Fingerprint.Poll)
	}
	for _, g := range c.Fingerprint.SerialPorts {
		if _, err := filepath.Match(g, ""); err != nil {
			bad("fingerprint.serial_ports", "bad pattern %q: %v", g, err)
		}
	}
	for _, nc := range []struct {
		name string
		cam  Camera
	}{{"camera", c.Camera}, {"document_camera", c.DocumentCamera}} {
		name, cam := nc.name, nc.cam
		if cam.Width < 0 || cam.Height < 0 || cam.Width > 7680 || cam.Height > 4320 || cam.FPS < 0 || cam.FPS > 120 {
			bad(name+".width", "%s.width/height must be 0 to 7680×4320 and %s.fps 0 to 120", name, name)
		}
	}
	if err := c.Workflow.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("config: workflow: %w", err))
	}
	if c.Simulate.Registry {
		if _, _, err := net.SplitHostPort(c.Simulate.RegistryListen); err != nil {
			bad("simulate.registry_listen", "must be host:port, got %q", c.Simulate.RegistryListen)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "must be text or json, got %q", c.Log.Format)
	}
	return errors.Join(errs...)
}

// validateRegistry checks one target; envHint says whether environment
// variables can set its keys (the primary registry's can).
func validateRegistry(prefix string, r Registry, envHint bool) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	hint := "(set it in the file)"
	if envHint {
		hint = "(set it in the file or STATION_REGISTRY_URL)"
	}
	if r.Name == "" || !validToken(r.Name) {
		bad(prefix+".name", "must be 1–64 letters, digits, '-', '_' or '.', got %q", r.Name)
	}
	if !contains(kinds, r.Kind) {
		bad(prefix+".kind", "unknown kind %q; known kinds: %s", r.Kind, strings.Join(kinds, ", "))
	}
	if err := checkURL(r.URL); err != nil {
		bad(prefix+".url", "%v %s", err, hint)
	}
	if r.TokenURL != "" {
		if err := checkURL(r.TokenURL); err != nil {
			bad(prefix+".token_url", "%v", err)
		}
		if r.ClientID == "" {
			bad(prefix+".client_id", "is required when %s.token_url is set", prefix)
		}
		if r.ClientSecret == "" && r.ClientSecretFile == "" {
			bad(prefix+".client_secret", "is required when %s.token_url is set (or use %s.client_secret_file)", prefix, prefix)
		}
	}
	if (r.CertFile == "") != (r.KeyFile == "") {
		bad(prefix+".cert_file", "%s.cert_file and %s.key_file go together for mutual TLS", prefix, prefix)
	}
	if r.Timeout <= 0 {
		bad(prefix+".timeout", "must be positive, such as 30s")
	}
	if r.IdentityType == "" {
		bad(prefix+".identity_type", "must not be empty")
	}
	return errs
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("is not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must start with http:// or https://, got %q", s)
	}
	if u.Host == "" {
		return fmt.Errorf("has no host: %q", s)
	}
	return nil
}

func validToken(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// EnvName returns the environment variable that overrides a section key.
func EnvName(section, key string) string {
	return "STATION_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
}

// applyEnv sets every field for which environ holds STATION_<SECTION>_<KEY>.
func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "STATION_") {
			env[k] = v
		}
	}
	if len(env) == 0 {
		return nil
	}
	root := reflect.ValueOf(cfg).Elem()
	rt := root.Type()
	for i := 0; i < rt.NumField(); i++ {
		section := yamlName(rt.Field(i))
		sv := root.Field(i)
		st := sv.Type()
		if st.Kind() != reflect.Struct {
			continue // lists of sections are set in the file only
		}
		for j := 0; j < st.NumField(); j++ {
			key := yamlName(st.Field(j))
			name := EnvName(section, key)
			raw, ok := env[name]
			if !ok {
				continue
			}
			if err := setField(sv.Field(j), raw); err != nil {
				return fmt.Errorf("config: %s (%s.%s): %w", name, section, key, err)
			}
		}
	}
	return nil
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func setField(v reflect.Value, raw string) error {
	switch v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s or 5m: %w", err)
		}
		v.SetInt(int64(d))
		return nil
	case []string:
		var list []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		v.Set(reflect.ValueOf(list))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("want a whole number: %w", err)
		}
		v.SetInt(int64(n))
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("want true or false: %w", err)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
