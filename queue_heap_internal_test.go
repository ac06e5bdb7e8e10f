package scope

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// keyed is a priority queue item: key orders it, few keys make ties common,
// and id tells tied items apart.
type keyed struct{ key, id int }

// modelTake removes from m what the heap must give next: the smallest key,
// and of those the first put.
func modelTake(m []keyed) (keyed, []keyed) {
	i := 0
	for j := range m {
		if m[j].key < m[i].key {
			i = j
		}
	}
	v := m[i] // before Delete shifts it out: a return's operands have no order
	return v, slices.Delete(m, i, i+1)
}

func keyedStore(less func(a, b keyed) bool) *store[keyed] {
	return &store[keyed]{kind: priority, prio: prioHeap[keyed]{less: less}}
}

func checkHeap(t *testing.T, h *prioHeap[keyed]) {
	t.Helper()
	for i := 1; i < len(h.entries); i++ {
		if h.before(&h.entries[i], &h.entries[(i-1)/2]) {
			t.Fatalf("heap order broken at %d: %v", i, h.entries)
		}
	}
}

// The heap against a slice that models it: random pushes, pops, and pops
// followed by a push (a Get that moves a blocked Put's item in), heaps of 0 to dozens of items,
// one to five keys.
func TestPriorityHeapAgainstAModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		s := keyedStore(func(a, b keyed) bool { return a.key < b.key })
		var m []keyed
		id, nkeys := 0, 1+r.IntN(5)
		for range 60 {
			id++
			v := keyed{r.IntN(nkeys), id}
			var want keyed
			op := r.IntN(3)
			switch {
			case op == 0 || s.len() == 0:
				s.push(v)
				m = append(m, v)
				checkHeap(t, &s.prio)
				continue
			case op == 1:
				want, m = modelTake(m)
				if got := s.pop(); got != want {
					t.Fatalf("pop = %v; want %v", got, want)
				}
			default: // a Get that moves a blocked Put's item in
				want, m = modelTake(m)
				m = append(m, v)
				if got := s.pop(); got != want {
					t.Fatalf("pop then push = %v; want %v", got, want)
				}
				s.push(v)
			}
			checkHeap(t, &s.prio)
			if s.len() != len(m) {
				t.Fatalf("len = %d; want %d", s.len(), len(m))
			}
		}
	}
}

// A less that panics on its k-th call, for every k, in push and pop,
// leaves the heap exactly as it was: the heap compares before it moves.
func TestPriorityHeapPanicAtAnyCompareChangesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	calls, limit := 0, -1
	for range 2000 {
		s := keyedStore(func(a, b keyed) bool {
			if calls++; limit >= 0 && calls > limit {
				panic("cannot compare")
			}
			return a.key < b.key
		})
		id := 0
		for range r.IntN(40) {
			id++
			s.push(keyed{r.IntN(4), id})
		}
		for op := range 2 {
			if op > 0 && s.len() == 0 {
				continue
			}
			for k := 0; ; k++ {
				before := slices.Clone(s.prio.entries)
				id++
				v := keyed{r.IntN(4), id}
				calls, limit = 0, k
				panicked := func() (p bool) {
					defer func() { p = recover() != nil }()
					switch op {
					case 0:
						s.push(v)
					case 1:
						s.pop()
					}
					return false
				}()
				limit = -1
				if !panicked {
					break
				}
				if !slices.Equal(before, s.prio.entries) {
					t.Fatalf("op %d, panic at compare %d: heap changed\n%v\n%v", op, k, before, s.prio.entries)
				}
			}
		}
	}
}
