package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// serverGCPercent is the garbage collector's target for a server whose operator has not set GOGC:
// the heap may grow to five times what is live before a collection, instead of twice. A request
// allocates tens of kilobytes (mostly short-lived buffers for the driver and the answer), and at
// Go's default the collector took about a fifth of the service's CPU under a deadline surge; at
// 400 the service needs about a sixth less CPU per request, for about twice the resident memory
// (docs/benchmarks.md, "garbage collected less often").
const serverGCPercent = 400

// gcSettings is what tuneGC sets: the collector's target percent and its soft memory limit in bytes
// (0 where it leaves the runtime's own setting).
type gcSettings struct {
	percent int
	limit   int64
}

// serverGC decides the collector's settings for a server from its environment and the memory it may
// use: cgroupMax is the content of the cgroup's memory limit file (empty where there is none, "max"
// where it sets none) and meminfo that of /proc/meminfo. GOGC and GOMEMLIMIT, when set, are the
// operator's and left alone. Without GOMEMLIMIT, a soft limit keeps the larger heap from growing into
// memory the process does not have: three quarters of a container's limit, or a quarter of the
// machine's memory, which the service shares with its database. Near the limit the collector runs as
// often as it needs to stay below it.
func serverGC(env []string, cgroupMax, meminfo []byte) gcSettings {
	var s gcSettings
	if !envSet(env, "GOGC") {
		s.percent = serverGCPercent
	}
	if envSet(env, "GOMEMLIMIT") {
		return s
	}
	machine := memTotal(meminfo)
	// A cgroup without a limit reads "max" (version 2) or a number past the machine's memory (version 1).
	if n, err := strconv.ParseInt(strings.TrimSpace(string(cgroupMax)), 10, 64); err == nil && n > 0 && (machine == 0 || n < machine) {
		s.limit = n / 4 * 3
	} else {
		s.limit = machine / 4
	}
	return s
}

// memTotal is the machine's memory in bytes as /proc/meminfo gives it, or 0.
func memTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
				return kb * 1024
			}
		}
	}
	return 0
}

// String says what the settings leave the collector with, for the start-up log.
func (s gcSettings) String() string {
	percent, limit := "GOGC from the environment", "GOMEMLIMIT from the environment"
	if s.percent > 0 {
		percent = "GOGC=" + strconv.Itoa(s.percent)
	}
	if s.limit > 0 {
		limit = "soft memory limit " + strconv.FormatInt(s.limit>>20, 10) + " MiB"
	}
	return percent + ", " + limit
}

// tuneGC applies serverGC to this process and reports what it set.
func tuneGC(env []string) gcSettings {
	cgroupMax, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		cgroupMax, _ = os.ReadFile("/sys/fs/cgroup/memory/memory.limit_in_bytes")
	}
	meminfo, _ := os.ReadFile("/proc/meminfo")
	s := serverGC(env, cgroupMax, meminfo)
	if s.percent > 0 {
		debug.SetGCPercent(s.percent)
	}
	if s.limit > 0 {
		debug.SetMemoryLimit(s.limit)
	}
	return s
}

// envSet reports whether env sets key to a value that is not empty.
func envSet(env []string, key string) bool {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key && v != "" {
			return true
		}
	}
	return false
}
