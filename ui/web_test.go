package ui

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// catalogue reads an embedded message catalogue.
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(webFS, "web/i18n/"+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

func TestCataloguesMatch(t *testing.T) {
	en, fr := catalogue(t, "en"), catalogue(t, "fr")
	for _, tt := range []struct {
		name string
		a, b map[string]string
	}{{"en→fr", en, fr}, {"fr→en", fr, en}} {
		for k := range tt.a {
			if _, ok := tt.b[k]; !ok {
				t.Errorf("%s: %q is missing", tt.name, k)
			}
		}
	}
	placeholder := regexp.MustCompile(`\{\w+\}`)
	for k, v := range en {
		if strings.TrimSpace(v) == "" || strings.TrimSpace(fr[k]) == "" {
			t.Errorf("%q is empty", k)
		}
		pe, pf := placeholder.FindAllString(v, -1), placeholder.FindAllString(fr[k], -1)
		slices.Sort(pe)
		slices.Sort(pf)
		if !slices.Equal(pe, pf) {
			t.Errorf("%q: placeholders %v in English, %v in French", k, pe, pf)
		}
	}
}

// webFiles returns the embedded files with the given extension.
func webFiles(t *testing.T, ext string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(webFS, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ext) {
			return err
		}
		b, err := fs.ReadFile(webFS, path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// literal matches the start of a non-empty string literal that is not a
// template starting with an interpolation.
const literal = "(?:\"[^\"]|'[^']|`[^`$])"

var (
	htmlComment  = regexp.MustCompile(`(?s)<!--.*?-->`)
	htmlText     = regexp.MustCompile(`>([^<]*)<`)
	htmlTextAttr = regexp.MustCompile(`\s(placeholder|title|alt|aria-label|value)="([^"]*)"`)
	i18nAttr     = regexp.MustCompile(`data-i18n="([^"]+)"`)
	i18nAttrs    = regexp.MustCompile(`data-i18n-attr="([^"]+)"`)
	// In JavaScript: text set from a literal rather than from t().
	jsLiteralText = regexp.MustCompile("(innerHTML|outerHTML)\\s*=|(textContent|innerText|placeholder|title)\\s*=\\s*" + literal + "|\\b(text|title|placeholder)\\s*:\\s*" + literal + "|\\b(alert|confirm|prompt)\\(\\s*" + literal + "|insertAdjacentHTML|document\\.write")
	jsKey         = regexp.MustCompile(`\b(?:t|say)\(\s*"([^"]+)"`)
	jsDataI18n    = regexp.MustCompile(`i18n:\s*"([^"]+)"`)
	userKeys      = regexp.MustCompile(`"((?:[a-z]+\.)+[a-z][\w-]*)"`)
)

// TestNoLiteralText checks that every text the operator reads comes from the
// catalogue: the HTML has no text nodes and no literal text attributes, the
// JavaScript sets no text from literals, and every key used exists.
func TestNoLiteralText(t *testing.T) {
	en := catalogue(t, "en")
	for path, src := range webFiles(t, ".html") {
		body := htmlComment.ReplaceAllString(src, "")
		body = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(body, "<x>")
		for _, m := range htmlText.FindAllStringSubmatch(body, -1) {
			if s := strings.TrimSpace(m[1]); s != "" {
				t.Errorf("%s: literal text %q: put it in the catalogue and use data-i18n", path, s)
			}
		}
		for _, m := range htmlTextAttr.FindAllStringSubmatch(body, -1) {
			if m[1] == "value" {
				continue // form values are data, not text
			}
			t.Errorf("%s: literal %s=%q: use data-i18n-attr", path, m[1], m[2])
		}
		for _, m := range i18nAttr.FindAllStringSubmatch(body, -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: data-i18n=%q is not in the catalogue", path, m[1])
			}
		}
		for _, m := range i18nAttrs.FindAllStringSubmatch(body, -1) {
			for _, pair := range strings.Split(m[1], ";") {
				_, key, _ := strings.Cut(pair, ":")
				if _, ok := en[strings.TrimSpace(key)]; !ok {
					t.Errorf("%s: data-i18n-attr key %q is not in the catalogue", path, key)
				}
			}
		}
	}
	for path, src := range webFiles(t, ".js") {
		for i, line := range strings.Split(src, "\n") {
			code := line
			if j := strings.Index(code, "//"); j >= 0 && !strings.Contains(code[:j], `"`) && !strings.Contains(code[:j], "`") {
				code = code[:j]
			}
			if jsLiteralText.MatchString(code) {
				t.Errorf("%s:%d: text from a literal: use t(key)\n\t%s", path, i+1, strings.TrimSpace(line))
			}
			for _, re := range []*regexp.Regexp{jsKey, jsDataI18n} {
				for _, m := range re.FindAllStringSubmatch(code, -1) {
					if _, ok := en[m[1]]; !ok {
						t.Errorf("%s:%d: key %q is not in the catalogue", path, i+1, m[1])
					}
				}
			}
		}
	}
	// Keys written as plain strings (in ternaries) must exist too.
	all := strings.Join(slices.Collect(maps.Values(webFiles(t, ".js"))), "\n")
	for _, m := range userKeys.FindAllStringSubmatch(all, -1) {
		k := m[1]
		prefix, _, _ := strings.Cut(k, ".")
		if _, ok := en[prefix+".title"]; !ok && !hasPrefix(en, prefix+".") {
			continue // not a catalogue namespace (a file name, a command type)
		}
		if strings.HasPrefix(k, "enrollment.") || strings.HasPrefix(k, "chip.") || strings.HasPrefix(k, "face.frame") || strings.HasPrefix(k, "face.result") || strings.HasPrefix(k, "finger.stage") || strings.HasPrefix(k, "finger.result") || strings.HasPrefix(k, "station.") {
			continue // protocol names, not messages
		}
		if _, ok := en[k]; !ok && !hasPrefix(en, k+".") {
			t.Errorf("key %q used in the JavaScript is not in the catalogue", k)
		}
	}
}

func hasPrefix(m map[string]string, p string) bool {
	for k := range m {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// TestWebAppOffline checks that the app refers to nothing outside the
// station (no CDN, no web fonts) and that every module it imports is served.
func TestWebAppOffline(t *testing.T) {
	srv := httptest.NewServer(staticHandler())
	defer srv.Close()
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|@font-face|url\(\s*["']?https?:`)
	imports := regexp.MustCompile(`from\s+"(\./[^"]+)"`)
	for _, ext := range []string{".html", ".js", ".css"} {
		for path, src := range webFiles(t, ext) {
			if m := external.FindString(src); m != "" {
				t.Errorf("%s refers outside the station: %q", path, m)
			}
			dir := path[:strings.LastIndex(path, "/")+1]
			for _, m := range imports.FindAllStringSubmatch(src, -1) {
				url := strings.TrimPrefix(dir, "web/") + strings.TrimPrefix(m[1], "./")
				resp, err := http.Get(srv.URL + "/" + url)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("%s imports %s: %d", path, url, resp.StatusCode)
				}
			}
		}
	}
	for _, p := range []string{"/", "/app.js", "/style.css", "/i18n/en.json", "/i18n/fr.json"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
	}
}

// TestLiteralTextDetector checks the scanner of TestNoLiteralText itself.
func TestLiteralTextDetector(t *testing.T) {
	tests := []struct {
		line string
		flag bool
	}{
		{`el.textContent = "Retry";`, true},
		{`h("td", { text: "Failed" })`, true},
		{"b.title = `Hello`;", true},
		{`alert("Saved")`, true},
		{`el.innerHTML = x;`, true},
		{`el.textContent = t("queue.retry");`, false},
		{`el.textContent = "";`, false},
		{"document.title = `${t(\"nav.queue\")}`;", false},
		{`h("td", { text: it.target })`, false},
	}
	for _, tt := range tests {
		if got := jsLiteralText.MatchString(tt.line); got != tt.flag {
			t.Errorf("%s: flagged %v, want %v", tt.line, got, tt.flag)
		}
	}
}
