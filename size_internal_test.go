package scope

import (
	"testing"
	"unsafe"
)

// Every Run and New allocates a Scope, so its size is paid per scope: at
// 592 bytes it took the runtime's 640-byte size class; within 512 a fan-out
// of 10 was 7% faster (bench/against HEAD 8, p=0.010; see
// doc/benchmarks.md). A field that pushes it over a class belongs in a
// struct made only when needed, as the limit's state and the deadline
// options are.
//
// The layout relies on two things this test holds (see fixed): the size
// class is a multiple of 64 bytes, so that every Scope starts a cache
// line, and mu, after fixed and its pad, starts one too.
func TestScopeFitsItsSizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the layout is tuned for 64-bit platforms")
	}
	const want = 320
	var s Scope
	size, mu := unsafe.Sizeof(s), unsafe.Offsetof(s.mu)
	t.Logf("Scope: %d bytes, mu at %d, fixed %d bytes", size, mu, unsafe.Sizeof(s.fixed))
	if size > want {
		t.Errorf("a Scope is %d bytes; keep it within %d, a size class that is a multiple of 64", size, want)
	}
	if mu%64 != 0 {
		t.Errorf("Scope.mu is at offset %d; it must start a cache line (a multiple of 64)", mu)
	}
}
