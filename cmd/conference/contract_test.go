package main

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/challenging-norms/conference/api"
)

// The contract's response schemas, read once: answers are checked against what api/openapi.yaml
// promises, so that a field renamed, left out or given another type in a handler fails a test.

var (
	contractOnce sync.Once
	contractDoc  map[string]any
	contractErr  error
)

func contract() (map[string]any, error) {
	contractOnce.Do(func() { contractErr = yaml.Unmarshal(api.OpenAPI, &contractDoc) })
	return contractDoc, contractErr
}

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// wantContract checks a JSON answer against the schema the contract gives the operation (named as Echo
// serves it, "/api/v1/conferences/:slug/…") for the status.
func wantContract(t *testing.T, method, echoPath string, status int, body string) {
	t.Helper()
	doc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	path := echoParam.ReplaceAllString(strings.TrimPrefix(echoPath, "/api/v1"), "{$1}")
	op, _ := dig(doc, "paths", path, strings.ToLower(method)).(map[string]any)
	if op == nil {
		t.Errorf("%s %s is not in the contract", method, path)
		return
	}
	resp, _ := dig(op, "responses", strconv.Itoa(status)).(map[string]any)
	resp = resolve(doc, resp)
	if resp == nil {
		t.Errorf("%s %s: the contract has no %d answer", method, path, status)
		return
	}
	schema, _ := dig(resp, "content", "application/json", "schema").(map[string]any)
	if schema == nil {
		return // no JSON body promised (204, CSV)
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Errorf("%s %s: the answer is not JSON: %v", method, path, err)
		return
	}
	for _, p := range conform(doc, schema, v, "$") {
		t.Errorf("%s %s %d: %s", method, path, status, p)
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// resolve follows a local $ref.
func resolve(doc, schema map[string]any) map[string]any {
	for schema != nil {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		schema, _ = dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
	}
	return nil
}

// conform lists how v departs from the schema: the types, required properties, enums, items and
// additional properties the contract uses.
func conform(doc, schema map[string]any, v any, at string) []string {
	schema = resolve(doc, schema)
	if schema == nil {
		return []string{at + ": the schema's $ref does not resolve"}
	}
	if _, ok := schema["allOf"]; ok {
		schema = mergeAll(doc, schema)
	}
	var out []string
	var types []string
	switch t := schema["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, fmt.Sprint(x))
		}
	}
	if len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return isType(v, t) }) {
		return append(out, fmt.Sprintf("%s: %s, want %s", at, kindOf(v), strings.Join(types, " or ")))
	}
	if enum, ok := schema["enum"].([]any); ok && v != nil && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asList(schema["required"]) {
			if _, ok := x[r]; !ok {
				out = append(out, fmt.Sprintf("%s: no %q", at, r))
			}
		}
		for k, val := range x {
			if p, ok := props[k].(map[string]any); ok {
				out = append(out, conform(doc, p, val, at+"."+k)...)
				continue
			}
			switch extra := schema["additionalProperties"].(type) {
			case map[string]any:
				out = append(out, conform(doc, extra, val, at+"."+k)...)
			case bool:
				if !extra {
					out = append(out, fmt.Sprintf("%s: %q is not in the contract", at, k))
				}
			default:
				if props != nil {
					out = append(out, fmt.Sprintf("%s: %q is not in the contract", at, k))
				}
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, val := range x {
				out = append(out, conform(doc, items, val, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

// mergeAll makes one schema of a schema's allOf and its own keywords: the union of their
// properties and required lists, so that a property of one part is not extra to another.
func mergeAll(doc, schema map[string]any) map[string]any {
	out := map[string]any{}
	props := map[string]any{}
	var required []any
	parts := []map[string]any{schema}
	for _, x := range asAny(schema["allOf"]) {
		sub, _ := x.(map[string]any)
		if sub = resolve(doc, sub); sub != nil {
			if _, ok := sub["allOf"]; ok {
				sub = mergeAll(doc, sub)
			}
			parts = append(parts, sub)
		}
	}
	for _, part := range parts {
		for k, val := range part {
			switch k {
			case "allOf":
			case "properties":
				for name, ps := range val.(map[string]any) {
					props[name] = ps
				}
			case "required":
				required = append(required, asAny(val)...)
			default:
				out[k] = val
			}
		}
	}
	if len(props) > 0 {
		out["properties"] = props
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func asList(v any) []string {
	var out []string
	for _, x := range asAny(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func asAny(v any) []any { l, _ := v.([]any); return l }

func isType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	}
	return false
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// TestContractCheck shows that the check above finds a missing property, a wrong type, a value
// outside an enum and a property the contract does not have.
func TestContractCheck(t *testing.T) {
	t.Parallel()
	doc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	schema := map[string]any{"$ref": "#/components/schemas/ReviewInvitation"}
	good := `{"id":7,"conference":"cn","conference_name":"CN","name":"","email":"a@b.org","status":"invited","invited_by":"Olu","expires_at":"x","answered_at":null}`
	var v any
	_ = json.Unmarshal([]byte(good), &v)
	if p := conform(doc, schema, v, "$"); len(p) != 0 {
		t.Errorf("a good answer: %v", p)
	}
	bad := `{"id":7,"conference":1,"conference_name":"CN","name":"","email":"a@b.org","status":"maybe","invited_by":"Olu","answered_at":null,"extra":true}`
	_ = json.Unmarshal([]byte(bad), &v)
	got := strings.Join(conform(doc, schema, v, "$"), "\n")
	for _, want := range []string{`$.conference: a number, want string`, `$.status: maybe is not one of`, `$: no "expires_at"`, `"extra" is not in the contract`} {
		if !strings.Contains(got, want) {
			t.Errorf("the check misses %q:\n%s", want, got)
		}
	}
}
