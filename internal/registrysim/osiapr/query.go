package osiapr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// expression is one criterion of a person query (OSIA Expression).
type expression struct {
	AttributeName string `json:"attributeName"`
	Operator      string `json:"operator"`
	Value         any    `json:"value"`
}

// parseExpressions decodes a query body. An empty body means no criterion.
func parseExpressions(body []byte) ([]expression, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	var exprs []expression
	if err := json.Unmarshal(body, &exprs); err != nil {
		return nil, fmt.Errorf("query body must be an array of expressions: %w", err)
	}
	for i, e := range exprs {
		if e.AttributeName == "" {
			return nil, fmt.Errorf("expression %d: attributeName is empty", i)
		}
		switch e.Operator {
		case "<", ">", "=", ">=", "<=", "!=":
		default:
			return nil, fmt.Errorf("expression %d: operator %q is not one of < > = >= <= !=", i, e.Operator)
		}
		switch e.Value.(type) {
		case string, float64, bool:
		default:
			return nil, fmt.Errorf("expression %d: value must be a string, number or boolean", i)
		}
	}
	return exprs, nil
}

// lookup finds an attribute in an identity document. A dotted name is a
// path from the document root ("biographicData.firstName"); a plain name is
// looked for in biographicData, then contextualData, then at the top level
// (identityType, status, ...).
func lookup(doc map[string]any, name string) (any, bool) {
	if strings.Contains(name, ".") {
		var cur any = doc
		for _, part := range strings.Split(name, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[part]; !ok {
				return nil, false
			}
		}
		return cur, true
	}
	for _, section := range []string{"biographicData", "contextualData"} {
		if m, ok := doc[section].(map[string]any); ok {
			if v, ok := m[name]; ok {
				return v, true
			}
		}
	}
	v, ok := doc[name]
	return v, ok
}

// matchAll reports whether the document satisfies every expression.
func matchAll(doc map[string]any, exprs []expression) bool {
	for _, e := range exprs {
		v, ok := lookup(doc, e.AttributeName)
		if !ok || !match(v, e.Operator, e.Value) {
			return false
		}
	}
	return true
}

// match compares an attribute value with an expression value. Strings that
// are both dates (YYYY-MM-DD or RFC 3339) compare as instants, other strings
// lexically; numbers numerically (a numeric string attribute is accepted);
// booleans only with = and !=. Values of different kinds never match.
func match(attr any, op string, want any) bool {
	var c int
	switch w := want.(type) {
	case string:
		a, ok := attr.(string)
		if !ok {
			return false
		}
		c = compareStrings(a, w)
	case float64:
		var a float64
		switch x := attr.(type) {
		case float64:
			a = x
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return false
			}
			a = f
		default:
			return false
		}
		switch {
		case a < w:
			c = -1
		case a > w:
			c = 1
		}
	case bool:
		a, ok := attr.(bool)
		if !ok {
			return false
		}
		switch op {
		case "=":
			return a == w
		case "!=":
			return a != w
		}
		return false
	default:
		return false
	}
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

func compareStrings(a, b string) int {
	if ta, ok := parseDate(a); ok {
		if tb, ok := parseDate(b); ok {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(a, b)
}

func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
