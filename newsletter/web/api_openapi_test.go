package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/satina/newsletter/docs"
	"github.com/satina/newsletter/internal/apptest"
)

// The OpenAPI document in docs/openapi.json against the live router: the
// same routes both ways, every operation answering a 2xx and a 401, and the
// document served as built in.

// openAPIToken is the admin token of these tests' service, set rather than
// taken from apptest's default (and long enough for ADMIN_TOKEN's minimum).
const openAPIToken = "openapi-test-admin-token-0123456789"

// oaMethods are the operation keys of an OpenAPI path item.
var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oaParam is a parameter or a reference to one.
type oaParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

// oaOperation is the part of an operation the tests read.
type oaOperation struct {
	OperationID string                     `json:"operationId"`
	Parameters  []oaParam                  `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// oaDoc is an OpenAPI document, parsed as far as the tests need.
type oaDoc struct {
	raw    map[string]any
	paths  map[string]map[string]oaOperation // path → method (lower case) → operation
	shared map[string][]oaParam              // path → its path-level parameters
}

// parseOpenAPI parses b, failing the test for anything that is not an
// OpenAPI document with openapi, info and paths.
func parseOpenAPI(t *testing.T, b []byte) *oaDoc {
	t.Helper()
	d := &oaDoc{paths: map[string]map[string]oaOperation{}, shared: map[string][]oaParam{}}
	if err := json.Unmarshal(b, &d.raw); err != nil {
		t.Fatalf("docs/openapi.json is not JSON: %v", err)
	}
	v, _ := d.raw["openapi"].(string)
	if !strings.HasPrefix(v, "3.0.") && !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi is %q, want 3.0.x or 3.1.x", v)
	}
	info, _ := d.raw["info"].(map[string]any)
	if title, _ := info["title"].(string); title == "" {
		t.Error("info.title is missing")
	}
	if version, _ := info["version"].(string); version == "" {
		t.Error("info.version is missing")
	}
	var top struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &top); err != nil || len(top.Paths) == 0 {
		t.Fatalf("paths: missing or not an object of path items (%v)", err)
	}
	for path, item := range top.Paths {
		d.paths[path] = map[string]oaOperation{}
		for key, raw := range item {
			switch {
			case key == "parameters":
				var ps []oaParam
				if err := json.Unmarshal(raw, &ps); err != nil {
					t.Errorf("%s: parameters: %v", path, err)
				}
				d.shared[path] = ps
			case slices.Contains(oaMethods, key):
				var op oaOperation
				if err := json.Unmarshal(raw, &op); err != nil {
					t.Errorf("%s %s: %v", key, path, err)
				}
				d.paths[path][key] = op
			}
		}
	}
	return d
}

// pointer resolves a local JSON pointer such as "#/components/schemas/Error".
func (d *oaDoc) pointer(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = d.raw
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// param resolves a parameter reference.
func (d *oaDoc) param(t *testing.T, p oaParam) oaParam {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	v, ok := d.pointer(p.Ref)
	if !ok {
		t.Errorf("parameter %s does not resolve", p.Ref)
		return p
	}
	b, _ := json.Marshal(v)
	var out oaParam
	if err := json.Unmarshal(b, &out); err != nil {
		t.Errorf("parameter %s: %v", p.Ref, err)
	}
	return out
}

// refs collects every "$ref" value in v.
func refs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			refs(x, out)
		}
	case []any:
		for _, x := range v {
			refs(x, out)
		}
	}
}

// operations lists the document's operations as "METHOD /path", sorted.
func (d *oaDoc) operations() []string {
	var out []string
	for path, ops := range d.paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

var templateParam = regexp.MustCompile(`\{([^{}/]+)\}`)

func TestOpenAPIDocumentIsComplete(t *testing.T) {
	d := parseOpenAPI(t, docs.OpenAPI)

	var all []string
	refs(d.raw, &all)
	if len(all) == 0 {
		t.Error("no $ref at all: the shared errors should be components")
	}
	for _, r := range all {
		if _, ok := d.pointer(r); !ok {
			t.Errorf("$ref %q does not resolve inside the document", r)
		}
	}
	schemes, _ := d.pointer("#/components/securitySchemes/bearerAuth")
	if s, _ := schemes.(map[string]any); s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %v, want an http bearer scheme", schemes)
	}

	ids := map[string]string{}
	for path, ops := range d.paths {
		if !strings.HasPrefix(path, "/admin/api/") {
			t.Errorf("path %s is not under /admin/api/", path)
		}
		want := map[string]bool{}
		for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		if len(ops) == 0 {
			t.Errorf("%s has no operation", path)
		}
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q is also %s's", name, op.OperationID, other)
			}
			ids[op.OperationID] = name
			has2xx := false
			for code := range op.Responses {
				if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
					has2xx = true
				}
			}
			if !has2xx {
				t.Errorf("%s: no 2xx response", name)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: no 401 response, though every route is behind the bearer", name)
			}
			got := map[string]bool{}
			for _, p := range append(slices.Clone(d.shared[path]), op.Parameters...) {
				if p = d.param(t, p); p.In == "path" {
					got[p.Name] = true
					if !p.Required {
						t.Errorf("%s: path parameter %s must be required", name, p.Name)
					}
				}
			}
			for n := range want {
				if !got[n] {
					t.Errorf("%s: {%s} is not declared as a path parameter", name, n)
				}
			}
			for n := range got {
				if !want[n] {
					t.Errorf("%s: path parameter %s is not in the path", name, n)
				}
			}
		}
	}
}

// fiberToOpenAPI writes a Fiber route path in OpenAPI's form: ":id"
// becomes "{id}". Optional parameters and wildcards have no OpenAPI form.
func fiberToOpenAPI(t *testing.T, path string) string {
	t.Helper()
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, ":") && !strings.ContainsAny(s, "?+*.-"):
			segs[i] = "{" + s[1:] + "}"
		case strings.ContainsAny(s, ":*+"):
			t.Errorf("route %s: segment %q has no OpenAPI form; document it by hand and teach this test", path, s)
		}
	}
	return strings.Join(segs, "/")
}

func TestOpenAPIMatchesTheRouter(t *testing.T) {
	a := apptest.Start(t, apptest.Options{AdminToken: openAPIToken})
	d := parseOpenAPI(t, docs.OpenAPI)

	registered := map[string]bool{}
	for _, r := range a.Server.App().GetRoutes(true) { // true: without middleware (the bearer)
		if r.Method == http.MethodHead || !strings.HasPrefix(r.Path, "/admin/api") {
			continue // Fiber adds a HEAD route for every GET by itself
		}
		registered[r.Method+" "+fiberToOpenAPI(t, r.Path)] = true
	}
	if len(registered) < 10 {
		t.Fatalf("only %d admin API routes found in the router: %v", len(registered), registered)
	}
	documented := map[string]bool{}
	for _, op := range d.operations() {
		documented[op] = true
	}
	var undocumented, unregistered []string
	for r := range registered {
		if !documented[r] {
			undocumented = append(undocumented, r)
		}
	}
	for op := range documented {
		if !registered[op] {
			unregistered = append(unregistered, op)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unregistered)
	for _, r := range undocumented {
		t.Errorf("route %s is registered but not in docs/openapi.json", r)
	}
	for _, op := range unregistered {
		t.Errorf("docs/openapi.json has %s, which the router does not register", op)
	}
	if !registered["GET /admin/api/openapi.json"] {
		t.Error("GET /admin/api/openapi.json is not registered")
	}
}

// openAPIGet fetches the document with the given Authorization header
// (none when empty).
func openAPIGet(t *testing.T, a *apptest.App, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+"/admin/api/openapi.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatalf("GET /admin/api/openapi.json: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	return res, b
}

func TestOpenAPIServedBehindTheBearer(t *testing.T) {
	a := apptest.Start(t, apptest.Options{AdminToken: openAPIToken})

	res, body := openAPIGet(t, a, "Bearer "+openAPIToken)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with the bearer: %d %.300s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(body, docs.OpenAPI) {
		t.Errorf("served %d bytes that differ from the %d embedded", len(body), len(docs.OpenAPI))
	}

	for _, auth := range []string{"", "Bearer not-the-token", "Basic " + openAPIToken} {
		res, body := openAPIGet(t, a, auth)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, res.StatusCode)
		}
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: 401 without WWW-Authenticate", auth)
		}
		if bytes.Contains(body, []byte(`"openapi"`)) {
			t.Errorf("Authorization %q: the document leaked: %.100s", auth, body)
		}
	}
}
