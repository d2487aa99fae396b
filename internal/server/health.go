package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process is up.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

// readyz answers 200 when the database is reachable and its schema is current, 503 otherwise.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "migrations": "ok"}
	status := http.StatusOK
	if err := s.opts.Health.Ping(ctx); err != nil {
		checks["database"], checks["migrations"], status = "unreachable", "unknown", http.StatusServiceUnavailable
	} else if ok, err := s.opts.Health.SchemaCurrent(ctx); err != nil || !ok {
		checks["migrations"], status = "pending", http.StatusServiceUnavailable
	}
	return c.JSON(status, map[string]any{"status": map[bool]string{true: "ready", false: "not ready"}[status == http.StatusOK], "checks": checks})
}
