package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"

	"github.com/challenging-norms/conference/api"
	"github.com/challenging-norms/conference/web"
)

// operation is one method on one path, written as Echo writes routes ("GET /api/v1/tokens/:id").
type operation string

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

var pathParam = regexp.MustCompile(`\{([^}/]+)\}`)

// documentedOperations reads every operation under `paths` of an OpenAPI document, prefixed with the
// first server's URL, and returns them with that prefix.
func documentedOperations(doc []byte) ([]operation, string, error) {
	var spec struct {
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(doc, &spec); err != nil {
		return nil, "", fmt.Errorf("parse the OpenAPI document: %w", err)
	}
	if len(spec.Servers) == 0 || !strings.HasPrefix(spec.Servers[0].URL, "/") {
		return nil, "", fmt.Errorf("the OpenAPI document names no server path: %+v", spec.Servers)
	}
	prefix := strings.TrimRight(spec.Servers[0].URL, "/")
	var ops []operation
	for path, item := range spec.Paths {
		for key := range item {
			if !httpMethods[key] {
				continue // summary, parameters, …
			}
			ops = append(ops, operation(strings.ToUpper(key)+" "+prefix+pathParam.ReplaceAllString(path, ":$1")))
		}
	}
	slices.Sort(ops)
	return ops, prefix, nil
}

// servedOperations lists the routes Echo serves under prefix, leaving out the catch-all 404 routes.
func servedOperations(e *echo.Echo, prefix string) []operation {
	var ops []operation
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || (r.Path != prefix && !strings.HasPrefix(r.Path, prefix+"/")) {
			continue
		}
		ops = append(ops, operation(r.Method+" "+r.Path))
	}
	slices.Sort(ops)
	return slices.Compact(ops)
}

// compareOperations says what is documented but not served, and served but not documented.
func compareOperations(documented, served []operation) []string {
	var problems []string
	for _, op := range documented {
		if !slices.Contains(served, op) {
			problems = append(problems, fmt.Sprintf("%s is in api/openapi.yaml but not served", op))
		}
	}
	for _, op := range served {
		if !slices.Contains(documented, op) {
			problems = append(problems, fmt.Sprintf("%s is served but not in api/openapi.yaml", op))
		}
	}
	return problems
}

func testServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{Web: web.FS, OpenAPI: api.OpenAPI, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOpenAPIMatchesRoutes fails when api/openapi.yaml and the API routes disagree, either way: an
// operation the contract promises must be served, and every API route must be in the contract.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	documented, prefix, err := documentedOperations(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "/api/v1" {
		t.Errorf("the contract's server is %q, the routes are under /api/v1", prefix)
	}
	s := testServer(t)
	served := servedOperations(s.echo, prefix)
	if len(documented) == 0 || len(served) == 0 {
		t.Fatalf("nothing to compare: %d documented, %d served", len(documented), len(served))
	}
	for _, p := range compareOperations(documented, served) {
		t.Error(p)
	}

	// And the router really sends each documented operation to its route, not to the catch-all.
	for _, op := range documented {
		method, path, _ := strings.Cut(string(op), " ")
		concrete := regexp.MustCompile(`:[^/]+`).ReplaceAllString(path, "1")
		c := s.echo.NewContext(httptest.NewRequest(method, concrete, nil), nil)
		s.echo.Router().Find(method, concrete, c)
		if c.Path() != path {
			t.Errorf("%s %s is routed to %q", method, concrete, c.Path())
		}
	}
}

// TestCompareOperations shows that the comparison above catches a difference in each direction,
// including a path parameter named differently.
func TestCompareOperations(t *testing.T) {
	doc := []byte(`
openapi: 3.1.0
servers: [{url: /api/v1/}]
paths:
  /things:
    summary: Things
    get: {responses: {"200": {description: ok}}}
    post: {responses: {"201": {description: ok}}}
  /things/{thing_id}:
    parameters: [{name: thing_id, in: path, required: true}]
    delete: {responses: {"204": {description: ok}}}
`)
	documented, prefix, err := documentedOperations(doc)
	if err != nil || prefix != "/api/v1" {
		t.Fatal(prefix, err)
	}
	want := []operation{"DELETE /api/v1/things/:thing_id", "GET /api/v1/things", "POST /api/v1/things"}
	if !slices.Equal(documented, want) {
		t.Fatalf("documented %v, want %v", documented, want)
	}

	e := echo.New()
	g := e.Group("/api/v1", func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	ok := func(c echo.Context) error { return c.NoContent(http.StatusOK) }
	g.GET("/things", ok)
	g.DELETE("/things/:id", ok)
	g.GET("/secret", ok)
	e.GET("/elsewhere", ok)
	g.RouteNotFound("/*", ok)
	got := compareOperations(documented, servedOperations(e, prefix))
	wantProblems := []string{
		"DELETE /api/v1/things/:thing_id is in api/openapi.yaml but not served",
		"POST /api/v1/things is in api/openapi.yaml but not served",
		"DELETE /api/v1/things/:id is served but not in api/openapi.yaml",
		"GET /api/v1/secret is served but not in api/openapi.yaml",
	}
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	if _, _, err := documentedOperations([]byte("paths: {}")); err == nil {
		t.Error("a document without a server path is accepted")
	}
}
