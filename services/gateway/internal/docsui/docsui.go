// Package docsui serves the API's interactive reference at /docs: Swagger UI
// (swagger-ui-dist from npm, copied into swagger-ui/ by `make generate` and
// embedded here) rendering /openapi.json, with "try it" calling this same gateway.
// Every file is served from the binary, so the page works offline and loads nothing
// from elsewhere, under a Content-Security-Policy with no inline script or style.
package docsui

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed index.html init.js swagger-ui
var files embed.FS

// CSP lets the page load only its own files and call only this origin: no inline
// script or style ('unsafe-inline'), no eval, no frames, no forms posting elsewhere.
// Swagger UI's stylesheet draws its icons as data: images.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Routes are the templates Handler serves, for the gateway's lists of public and
// cacheable routes.
var Routes = []string{"GET /docs", "GET /docs/{file}"}

// assets maps the file names under /docs/ to their embedded paths.
var assets = map[string]string{
	"init.js":                          "init.js",
	"swagger-ui-bundle.js":             "swagger-ui/swagger-ui-bundle.js",
	"swagger-ui.css":                   "swagger-ui/swagger-ui.css",
	"swagger-ui-bundle.js.LICENSE.txt": "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
	"LICENSE":                          "swagger-ui/LICENSE",
	"NOTICE":                           "swagger-ui/NOTICE",
}

// Register adds the page and its files to mux.
func Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, "index.html")
	})
	mux.HandleFunc("GET /docs/{file}", func(w http.ResponseWriter, r *http.Request) {
		name, ok := assets[r.PathValue("file")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, r, name)
	})
}

func serve(w http.ResponseWriter, r *http.Request, name string) {
	body, err := fs.ReadFile(files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "text/plain; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The files change with each build; revalidating keeps the page and the
	// document it renders from the same build.
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}
