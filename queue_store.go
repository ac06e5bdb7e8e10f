package scope

import "container/heap"

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
		heap.Push(&s.prio, entry[T]{v, s.seq})
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
		return heap.Pop(&s.prio).(entry[T]).v
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

// prioHeap is a container/heap of entries: smallest by less first, then by
// insertion.
type prioHeap[T any] struct {
	entries []entry[T]
	less    func(a, b T) bool
}

func (h *prioHeap[T]) Len() int { return len(h.entries) }

func (h *prioHeap[T]) Less(i, j int) bool {
	a, b := h.entries[i], h.entries[j]
	if h.less(a.v, b.v) {
		return true
	}
	if h.less(b.v, a.v) {
		return false
	}
	return a.seq < b.seq
}

func (h *prioHeap[T]) Swap(i, j int) { h.entries[i], h.entries[j] = h.entries[j], h.entries[i] }

func (h *prioHeap[T]) Push(x any) { h.entries = append(h.entries, x.(entry[T])) }

func (h *prioHeap[T]) Pop() any {
	last := len(h.entries) - 1
	e := h.entries[last]
	h.entries[last] = entry[T]{}
	h.entries = h.entries[:last]
	return e
}
