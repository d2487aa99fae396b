// Command hello is the baseline of the program benchmark (deploy/load/program.sh): an Echo server
// with one handler that answers "Hello, World!", on the same machine and Echo version as the app,
// so that the program's requests per second can be read as a share of what Echo itself can serve
// here.
//
//	go run ./deploy/load/hello 127.0.0.1:18081
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hello ADDRESS")
		os.Exit(2)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	if err := e.Start(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}
