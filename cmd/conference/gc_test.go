package main

import (
	"math"
	"testing"
	"testing/fstest"
)

func TestServerGC(t *testing.T) {
	t.Parallel()
	const machine = int64(16) << 30
	cases := []struct {
		name                 string
		gogcSet, memlimitSet bool
		cgroup, machine      int64
		want                 gcSettings
	}{
		{"a machine without a cgroup limit", false, false, 0, machine, gcSettings{percent: 400, limit: machine / 4}},
		{"a container of 1 GiB", false, false, 1 << 30, machine, gcSettings{percent: 400, limit: 1 << 30 / 4 * 3}},
		{"a cgroup limit past the machine's memory (v1 unlimited)", false, false, 9223372036854771712, machine, gcSettings{percent: 400, limit: machine / 4}},
		{"a cgroup limit of all the machine", false, false, machine, machine, gcSettings{percent: 400, limit: machine / 4}},
		{"a container, the machine unknown", false, false, 1 << 30, 0, gcSettings{percent: 400, limit: 1 << 30 / 4 * 3}},
		{"v1 unlimited, the machine unknown", false, false, 9223372036854771712, 0, gcSettings{percent: 400}},
		{"nothing known of the memory", false, false, 0, 0, gcSettings{percent: 400}},
		{"the operator's GOGC keeps the limit", true, false, 0, machine, gcSettings{limit: machine / 4}},
		{"the operator's GOMEMLIMIT keeps GOGC=400", false, true, 1 << 30, machine, gcSettings{percent: 400}},
		{"both the operator's", true, true, 1 << 30, machine, gcSettings{}},
	}
	for _, c := range cases {
		if got := serverGC(c.gogcSet, c.memlimitSet, c.cgroup, c.machine); got != c.want {
			t.Errorf("%s: serverGC = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	cases := []struct {
		name string
		fsys fstest.MapFS
		self string
		want int64
	}{
		{"v2, a container with its own namespace", fstest.MapFS{"memory.max": file("536870912\n")}, "0::/\n", 512 << 20},
		{"v2 without a limit", fstest.MapFS{"memory.max": file("max\n")}, "0::/\n", 0},
		{"v2, a systemd service with MemoryMax", fstest.MapFS{
			"system.slice/conference.service/memory.max": file("268435456\n"),
			"system.slice/memory.max":                    file("max\n"),
		}, "0::/system.slice/conference.service\n", 256 << 20},
		{"v2, a smaller limit on the slice above", fstest.MapFS{
			"kubepods/pod1/c1/memory.max": file("max\n"),
			"kubepods/pod1/memory.max":    file("1073741824\n"),
			"kubepods/memory.max":         file("8589934592\n"),
		}, "0::/kubepods/pod1/c1\n", 1 << 30},
		{"v1, a container without its own namespace sees its cgroup at the root", fstest.MapFS{
			"memory/memory.limit_in_bytes": file("2147483648\n"),
		}, "12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n", 2 << 30},
		{"v1 unlimited", fstest.MapFS{"memory/memory.limit_in_bytes": file("9223372036854771712\n")}, "4:memory:/\n", 9223372036854771712},
		{"v1 nested, the nearest smaller", fstest.MapFS{
			"memory/process_api/x/memory.limit_in_bytes": file("9223372036854771712\n"),
			"memory/process_api/memory.limit_in_bytes":   file("3221225472\n"),
			"memory/memory.limit_in_bytes":               file("9223372036854771712\n"),
		}, "4:memory:/process_api/x\n", 3 << 30},
		{"hybrid: the memory controller is v1's", fstest.MapFS{
			"memory/memory.limit_in_bytes": file("1073741824\n"),
			"memory.max":                   file("max\n"),
		}, "0::/\n5:cpu,memory:/\n", 1 << 30},
		{"no cgroup file", fstest.MapFS{}, "", 0},
		{"no memory controller", fstest.MapFS{"memory.max": file("1073741824\n")}, "3:cpu:/\n", 0},
	}
	for _, c := range cases {
		if got := cgroupMemoryLimit(c.fsys, []byte(c.self)); got != c.want {
			t.Errorf("%s: cgroupMemoryLimit = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestMemTotal(t *testing.T) {
	t.Parallel()
	if got, want := memTotal([]byte("MemTotal:       16384000 kB\nMemFree:         1000000 kB\n")), int64(16384000)*1024; got != want {
		t.Errorf("memTotal = %d, want %d", got, want)
	}
	if got := memTotal(nil); got != 0 {
		t.Errorf("memTotal of nothing = %d, want 0", got)
	}
}

func TestDescribeGC(t *testing.T) {
	t.Parallel()
	cases := []struct {
		percent, limit uint64
		want           string
	}{
		{400, 3 << 30, "GOGC=400 GOMEMLIMIT=3072MiB"},
		{100, math.MaxInt64, "GOGC=100 GOMEMLIMIT=off"},
		{math.MaxUint64, 512 << 20, "GOGC=off GOMEMLIMIT=512MiB"},
	}
	for _, c := range cases {
		if got := describeGC(c.percent, c.limit); got != c.want {
			t.Errorf("describeGC(%d, %d) = %q, want %q", c.percent, c.limit, got, c.want)
		}
	}
}
