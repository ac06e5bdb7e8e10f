package scope

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// A site is where a scope or task was made: program counters, resolved to
// the first frame outside this package only when someone looks.
type site [8]uintptr

// record keeps the frames of the stack from skip frames above its caller.
func (p *site) record(skip int) { runtime.Callers(skip+1, p[:]) }

// pkgPrefix is the prefix of the names of this package's functions.
var pkgPrefix = reflect.TypeFor[Scope]().PkgPath() + "."

// frame returns the first frame of pcs outside this package (its tests count
// as outside) and above the goroutine's start: for `go s.Go(fn)`, the caller
// of Go is runtime.goexit, which says nothing.
func frame(pcs []uintptr) (runtime.Frame, bool) {
	n := 0
	for n < len(pcs) && pcs[n] != 0 {
		n++
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		inside := strings.HasPrefix(f.Function, pkgPrefix) && !strings.HasSuffix(f.File, "_test.go")
		if f.PC != 0 && !inside && f.Function != "runtime.goexit" {
			return f, true
		}
		if !more {
			return runtime.Frame{}, false
		}
	}
}

// String returns "file:line", or "" if the site is not known.
func (p *site) String() string { return siteString(p[:]) }

// siteString returns the "file:line" of the first of pcs outside this
// package, or "".
func siteString(pcs []uintptr) string {
	if f, ok := frame(pcs); ok {
		return f.File + ":" + strconv.Itoa(f.Line)
	}
	return ""
}
