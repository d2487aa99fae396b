package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
)

// serverGCPercent is the garbage collector's target for a server whose environment does not set
// GOGC: the heap may grow to five times what is live before a collection, instead of twice. A
// request allocates tens of kilobytes (mostly short-lived buffers for the driver and the answer),
// and at Go's default the collector took about a fifth of the service's CPU under a deadline surge;
// at 400 the service needs 13–18% less CPU per request, for about twice the resident memory
// (docs/benchmarks.md, "garbage collected less often").
const serverGCPercent = 400

// gcSettings is what serverGC decides: the collector's target percent and its soft memory limit in
// bytes, each 0 where the runtime's own setting (from the environment) stays.
type gcSettings struct {
	percent int
	limit   int64
}

// serverGC decides the collector's settings for a server. GOGC and GOMEMLIMIT, where the environment
// sets them (gogcSet, memlimitSet), are the operator's and left alone, each on its own. Otherwise
// GOGC is serverGCPercent, and a soft memory limit keeps the larger heap from growing into memory
// the process does not have: three quarters of the smallest limit on its cgroup (cgroupLimit, 0
// where none is set), or a quarter of the machine's memory (machine, from /proc/meminfo; 0 where
// unknown), which the service shares with its database. Near the limit the collector runs as often
// as it needs to stay below it. A cgroup limit of the machine's memory or more is no limit.
func serverGC(gogcSet, memlimitSet bool, cgroupLimit, machine int64) gcSettings {
	var s gcSettings
	if !gogcSet {
		s.percent = serverGCPercent
	}
	switch {
	case memlimitSet:
	case cgroupLimit > 0 && machine > 0 && cgroupLimit < machine:
		s.limit = cgroupLimit / 4 * 3
	case cgroupLimit > 0 && machine == 0 && cgroupLimit < 1<<50:
		s.limit = cgroupLimit / 4 * 3
	default:
		s.limit = machine / 4
	}
	return s
}

// cgroupMemoryLimit is the smallest memory limit set on the process's cgroup or any cgroup above it,
// in bytes, or 0 where none is. selfCgroup is /proc/self/cgroup; fsys is the cgroup file system
// (/sys/fs/cgroup). Under cgroup v1 (or a hybrid hierarchy) the memory controller's line and its
// memory.limit_in_bytes count, under v2 the unified line and memory.max. The path the process sees
// may not exist inside the mount (a container without its own cgroup namespace sees its own cgroup
// at the mount's root), so the walk goes up to the root however far down it starts.
func cgroupMemoryLimit(fsys fs.FS, selfCgroup []byte) int64 {
	var base, file, rel string
	sc := bufio.NewScanner(bytes.NewReader(selfCgroup))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" && base == "" {
			base, file, rel = ".", "memory.max", f[2]
		}
		if slices.Contains(strings.Split(f[1], ","), "memory") {
			base, file, rel = "memory", "memory.limit_in_bytes", f[2]
			break
		}
	}
	if base == "" {
		return 0
	}
	var least int64
	for dir := path.Join(base, rel); ; dir = path.Dir(dir) {
		if b, err := fs.ReadFile(fsys, path.Join(dir, file)); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (least == 0 || n < least) {
				least = n
			}
		}
		if dir == base || dir == "." || dir == "/" {
			return least
		}
	}
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

// tuneGC applies serverGC to this process: it reads the process's own environment, which the
// runtime read GOGC and GOMEMLIMIT from. It returns the collector's settings as they now are, for
// the start-up log.
func tuneGC() string {
	selfCgroup, _ := os.ReadFile("/proc/self/cgroup")
	meminfo, _ := os.ReadFile("/proc/meminfo")
	s := serverGC(envSet("GOGC"), envSet("GOMEMLIMIT"), cgroupMemoryLimit(os.DirFS("/sys/fs/cgroup"), selfCgroup), memTotal(meminfo))
	if s.percent > 0 {
		debug.SetGCPercent(s.percent)
	}
	if s.limit > 0 {
		debug.SetMemoryLimit(s.limit)
	}
	m := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 || m[1].Value.Kind() != metrics.KindUint64 {
		return "GOGC and GOMEMLIMIT unknown"
	}
	return describeGC(m[0].Value.Uint64(), m[1].Value.Uint64())
}

// describeGC says what the runtime's metrics /gc/gogc:percent and /gc/gomemlimit:bytes hold, in the
// environment's terms.
func describeGC(percent, limit uint64) string {
	gogc, memlimit := "off", "off" // GOGC=off reads as -1; no limit as the largest int64
	if percent <= math.MaxInt32 {
		gogc = strconv.FormatUint(percent, 10)
	}
	if limit < math.MaxInt64 {
		memlimit = strconv.FormatUint(limit>>20, 10) + "MiB"
	}
	return "GOGC=" + gogc + " GOMEMLIMIT=" + memlimit
}

// envSet reports whether the process's environment sets key to a value that is not empty (the
// runtime ignores an empty one).
func envSet(key string) bool {
	v, ok := os.LookupEnv(key)
	return ok && v != ""
}
