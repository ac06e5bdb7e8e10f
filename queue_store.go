package scope

// A store holds a queue's items in the order they come out: a ring buffer
// (FIFO), a stack (LIFO), or a heap ordered by less, ties by insertion
// (priority). Its zero value is an empty FIFO.
type store[T any] struct {
	kind  int
	items []T // FIFO: a ring from head, n items; LIFO: a stack of n items
	head  int
	n     int
	prio  prioHeap[T]
	seq   uint64 // insertion count, for the priority queue's ties
}

const (
	fifo = iota
	lifo
	priority
)

func (s *store[T]) len() int {
	if s.kind == priority {
		return len(s.prio.entries)
	}
	return s.n
}

func (s *store[T]) push(v T) {
	switch s.kind {
	case priority:
		s.seq++
		s.prio.push(entry[T]{v, s.seq})
		return
	case lifo:
		if s.n == len(s.items) {
			s.items = append(s.items, v)
		} else {
			s.items[s.n] = v
		}
		s.n++
		return
	}
	if s.n == len(s.items) {
		s.grow()
	}
	s.items[(s.head+s.n)&(len(s.items)-1)] = v
	s.n++
}

// grow doubles the ring, unrolling it so that head is 0. The ring's length is
// a power of two, so that an index wraps with a mask, not a division (tens
// of cycles, twice an item, in a put and get of some 50 ns).
func (s *store[T]) grow() {
	items := make([]T, max(2*len(s.items), 8))
	copy(items, s.items[s.head:])
	copy(items[len(s.items)-s.head:], s.items[:s.head])
	s.items, s.head = items, 0
}

func (s *store[T]) pop() T {
	var zero T
	switch s.kind {
	case priority:
		return s.prio.pop()
	case lifo:
		s.n--
		v := s.items[s.n]
		s.items[s.n] = zero // let the item be collected
		return v
	}
	v := s.items[s.head]
	s.items[s.head] = zero
	s.head = (s.head + 1) & (len(s.items) - 1)
	s.n--
	return v
}

// clear drops every item and returns how many there were.
func (s *store[T]) clear() int {
	n := s.len()
	clear(s.items)
	s.head, s.n = 0, 0
	clear(s.prio.entries)
	s.prio.entries = s.prio.entries[:0]
	return n
}

type entry[T any] struct {
	v   T
	seq uint64
}

// prioHeap is a binary heap of entries: smallest by less first, then by
// insertion. It is typed, not a container/heap, whose any-typed Push and Pop
// cost an allocation each way for every item. less is the caller's code and
// may panic: push and pop find where an entry goes, comparing
// only, before they move anything, so a panic leaves the heap as it was.
type prioHeap[T any] struct {
	entries []entry[T]
	less    func(a, b T) bool
}

func (h *prioHeap[T]) before(a, b *entry[T]) bool {
	if h.less(a.v, b.v) {
		return true
	}
	if h.less(b.v, a.v) {
		return false
	}
	return a.seq < b.seq
}

// push adds e: it finds e's place among the ancestors of the new last slot,
// then moves those below that place down a level.
func (h *prioHeap[T]) push(e entry[T]) {
	at := len(h.entries)
	for at > 0 && h.before(&e, &h.entries[(at-1)/2]) {
		at = (at - 1) / 2
	}
	h.entries = append(h.entries, e)
	for j := len(h.entries) - 1; j > at; j = (j - 1) / 2 {
		h.entries[j] = h.entries[(j-1)/2]
	}
	h.entries[at] = e
}

// pop removes and returns the smallest entry's item.
func (h *prioHeap[T]) pop() T {
	top := h.entries[0].v
	last := len(h.entries) - 1
	if last > 0 {
		h.sink(h.entries[last], last)
	}
	h.entries[last] = entry[T]{} // let the item be collected
	h.entries = h.entries[:last]
	return top
}

// sink puts e at the top, over the entry there, and sinks it among the
// first n entries: it walks down the smaller children to e's place,
// comparing only, then moves each entry on that path up a level.
func (h *prioHeap[T]) sink(e entry[T], n int) {
	var path [64]int // the children taken, one a level: a heap of ints is under 64 deep
	depth := 0
	for at := 0; ; depth++ {
		c := 2*at + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.before(&h.entries[r], &h.entries[c]) {
			c = r
		}
		if !h.before(&h.entries[c], &e) {
			break
		}
		path[depth], at = c, c
	}
	at := 0
	for _, c := range path[:depth] {
		h.entries[at] = h.entries[c]
		at = c
	}
	h.entries[at] = e
}
