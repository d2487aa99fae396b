package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
)

// apiNotFound answers API requests that match no route: 405 with Allow when the path is served for
// other methods, 404 otherwise. Echo's router gives a group's catch-all priority over its own 405, so
// without this a wrong method would look like a missing endpoint.
func (s *Server) apiNotFound(c echo.Context) error {
	req := c.Request()
	served := map[string]bool{}
	for _, r := range s.echo.Routes() {
		served[r.Method+" "+r.Path] = true
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := s.echo.NewContext(req, nil)
		s.echo.Router().Find(m, echo.GetPath(req), probe)
		if served[m+" "+probe.Path()] {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
		return echo.ErrMethodNotAllowed
	}
	return apperr.New(apperr.NotFound, "There is no such API endpoint. See /api/v1/openapi.yaml.")
}
