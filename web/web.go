// Package web holds what the browser and mail readers see: page and mail templates and static assets,
// embedded in the binary.
package web

import "embed"

// FS holds templates/ (pages under templates/pages, shared layouts under templates/layout, mail under
// templates/mail) and static/ (CSS, scripts, images).
//
//go:embed templates static
var FS embed.FS
