package main

import "testing"

func TestServerGC(t *testing.T) {
	const meminfo = "MemTotal:       16384000 kB\nMemFree:         1000000 kB\n"
	const machine = int64(16384000) * 1024
	cases := []struct {
		name      string
		env       []string
		cgroupMax string
		meminfo   string
		want      gcSettings
	}{
		{"a machine without a container limit", nil, "max\n", meminfo, gcSettings{percent: 400, limit: machine / 4}},
		{"no cgroup file", nil, "", meminfo, gcSettings{percent: 400, limit: machine / 4}},
		{"a container of 1 GiB", nil, "1073741824\n", meminfo, gcSettings{percent: 400, limit: 1 << 30 / 4 * 3}},
		{"cgroup v1 without a limit", nil, "9223372036854771712\n", meminfo, gcSettings{percent: 400, limit: machine / 4}},
		{"nothing known of the memory", nil, "", "", gcSettings{percent: 400}},
		{"the operator's GOGC", []string{"PATH=/bin", "GOGC=150"}, "max", meminfo, gcSettings{limit: machine / 4}},
		{"the operator's GOMEMLIMIT", []string{"GOMEMLIMIT=300MiB"}, "1073741824", meminfo, gcSettings{percent: 400}},
		{"both", []string{"GOGC=off", "GOMEMLIMIT=2GiB"}, "max", meminfo, gcSettings{}},
		{"an empty GOGC is not set", []string{"GOGC="}, "max", meminfo, gcSettings{percent: 400, limit: machine / 4}},
	}
	for _, c := range cases {
		if got := serverGC(c.env, []byte(c.cgroupMax), []byte(c.meminfo)); got != c.want {
			t.Errorf("%s: serverGC = %+v, want %+v", c.name, got, c.want)
		}
	}
	if got, want := (gcSettings{percent: 400, limit: 3 << 30}).String(), "GOGC=400, soft memory limit 3072 MiB"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := (gcSettings{}).String(), "GOGC from the environment, GOMEMLIMIT from the environment"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
