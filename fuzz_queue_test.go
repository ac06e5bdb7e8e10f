package scope_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// FuzzQueue runs the operations the bytes describe on a Queue (FIFO, LIFO
// or priority; bounded or not) and on a slice that models it, and checks
// that they agree after each: what comes out and in what order, Len, the
// errors, that a call whose context is done or ends gives up having changed
// nothing, that TaskDone panics when called once too often, and that a
// waiting Join returns exactly when no item is unfinished. It runs in a
// synctest bubble, so a call that blocks gives up as soon as everything is
// blocked.
func FuzzQueue(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x10, 0x01, 0x02})
	f.Add([]byte{0x23, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x0b, 0x02, 0x02, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		synctest.Test(t, func(t *testing.T) {
			qt := newQueueTest(t, data[0])
			for i, b := range data[1:] {
				qt.step = fmt.Sprintf("op %d (%#x)", i, b)
				qt.do(b)
				qt.check()
			}
			qt.finish()
		})
	})
}

// qItem is a queued item: key orders the priority queue (few keys, so
// ties are common), id is unique.
type qItem struct{ key, id int }

// queueModel is what the queue should hold: the items in the order they
// were put, and the counts the queue keeps.
type queueModel struct {
	kind       byte // 0 FIFO, 1 LIFO, 2 priority
	capacity   int  // 0: unbounded
	items      []qItem
	unfinished int
	shutdown   bool
}

func (m *queueModel) full() bool { return m.capacity > 0 && len(m.items) >= m.capacity }

// got counts items got and not yet marked done.
func (m *queueModel) got() int { return m.unfinished - len(m.items) }

// take removes the item that comes out next.
func (m *queueModel) take() qItem {
	i := 0
	switch m.kind {
	case 1:
		i = len(m.items) - 1
	case 2:
		for j, it := range m.items {
			if it.key < m.items[i].key { // strictly: the earliest of equal keys
				i = j
			}
		}
	}
	it := m.items[i]
	m.items = slices.Delete(m.items, i, i+1)
	return it
}

type queueTest struct {
	t      *testing.T
	q      *scope.Queue[qItem]
	m      queueModel
	ids    int
	step   string
	joined chan error // a waiting Join's result; nil when none waits
}

// newQueueTest makes the queue the first byte describes: its kind, and a
// capacity from 0 (unbounded) to 4.
func newQueueTest(t *testing.T, b byte) *queueTest {
	m := queueModel{kind: b % 3, capacity: int(b>>4) % 5}
	var q *scope.Queue[qItem]
	switch m.kind {
	case 0:
		q = scope.NewQueue[qItem](m.capacity)
	case 1:
		q = scope.NewLIFOQueue[qItem](m.capacity)
	default:
		q = scope.NewPriorityQueue(m.capacity, func(a, b qItem) bool { return a.key < b.key })
	}
	if q.Cap() != m.capacity {
		t.Fatalf("Cap() = %d; want %d", q.Cap(), m.capacity)
	}
	return &queueTest{t: t, q: q, m: m}
}

func (qt *queueTest) fail(format string, args ...any) {
	qt.t.Helper()
	qt.t.Fatalf("%s: %s", qt.step, fmt.Sprintf(format, args...))
}

// do runs one operation: the low four bits pick it, the high four are a
// priority key for a put.
func (qt *queueTest) do(b byte) {
	key := int(b>>4) % 3
	switch b % 12 {
	case 0, 1:
		qt.put(key, "TryPut", func(v qItem) error { return qt.q.TryPut(v) })
	case 2, 3:
		qt.get("TryGet", qt.q.TryGet)
	case 4:
		qt.taskDone()
	case 5:
		qt.q.Shutdown()
		qt.m.shutdown = true
	case 6:
		qt.q.ShutdownNow()
		qt.m.shutdown = true
		qt.m.unfinished -= len(qt.m.items)
		qt.m.items = nil
	case 7:
		qt.giveUpPut(key)
	case 8:
		qt.giveUpGet()
	case 9:
		qt.put(key, "Put", qt.shortPut)
	case 10:
		qt.get("Get", qt.shortGet)
	case 11:
		qt.startJoin()
	}
}

// put offers a new item through try (TryPut, or Put with a short-lived
// context) and checks the outcome against the model.
func (qt *queueTest) put(key int, what string, try func(qItem) error) {
	qt.ids++
	v := qItem{key, qt.ids}
	err := try(v)
	var want error
	switch {
	case qt.m.shutdown:
		want = scope.ErrQueueShutDown
	case qt.m.full() && what == "TryPut":
		want = scope.ErrQueueFull
	case qt.m.full():
		want = context.DeadlineExceeded // blocked until its context ended
	default:
		qt.m.items = append(qt.m.items, v)
		qt.m.unfinished++
	}
	if err != want {
		qt.fail("%s = %v; want %v", what, err, want)
	}
}

// get takes an item through try (TryGet, or Get with a short-lived context)
// and checks it is the one the model says comes out next.
func (qt *queueTest) get(what string, try func() (qItem, error)) {
	v, err := try()
	switch {
	case len(qt.m.items) > 0:
		if want := qt.m.take(); err != nil || v != want {
			qt.fail("%s = %v, %v; want %v", what, v, err, want)
		}
		return
	case qt.m.shutdown:
		err = wantErr(err, scope.ErrQueueShutDown)
	case what == "TryGet":
		err = wantErr(err, scope.ErrQueueEmpty)
	default:
		err = wantErr(err, context.DeadlineExceeded)
	}
	if err != nil || v != (qItem{}) {
		qt.fail("%s = %v: %v", what, v, err)
	}
}

// wantErr returns nil if err is want, else an error saying so.
func wantErr(err, want error) error {
	if err == want {
		return nil
	}
	return fmt.Errorf("got %v; want %v", err, want)
}

func (qt *queueTest) shortPut(v qItem) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return qt.q.Put(ctx, v)
}

func (qt *queueTest) shortGet() (qItem, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return qt.q.Get(ctx)
}

var errGaveUp = errors.New("fuzz: gave up")

// gone returns a context that is already done, with errGaveUp as its cause.
func gone() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errGaveUp)
	return ctx
}

// giveUpPut and giveUpGet call with a done context: the call fails with the
// cause, even when it could have succeeded, and changes nothing (check, run
// after each step, compares Len and the items still come out in order).
func (qt *queueTest) giveUpPut(key int) {
	qt.ids++
	if err := qt.q.Put(gone(), qItem{key, qt.ids}); err != errGaveUp {
		qt.fail("Put with a done context = %v; want its cause", err)
	}
}

func (qt *queueTest) giveUpGet() {
	if v, err := qt.q.Get(gone()); err != errGaveUp || v != (qItem{}) {
		qt.fail("Get with a done context = %v, %v; want its cause", v, err)
	}
	if err := qt.q.Join(gone()); err != errGaveUp {
		qt.fail("Join with a done context = %v; want its cause", err)
	}
}

// taskDone marks an item done, and checks that it panics, with a scope:
// message and changing nothing, when no item got is left to mark.
func (qt *queueTest) taskDone() {
	r := panicOf(qt.q.TaskDone)
	switch {
	case qt.m.got() > 0 && r != nil:
		qt.fail("TaskDone panicked with %d items got: %v", qt.m.got(), r)
	case qt.m.got() > 0:
		qt.m.unfinished--
	case r == nil:
		qt.fail("TaskDone with no item got did not panic")
	case !strings.HasPrefix(fmt.Sprint(r), "scope: "):
		qt.fail("TaskDone panicked with %q; want a scope: message", r)
	}
}

// panicOf calls f and returns what it panicked with, or nil.
func panicOf(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// startJoin starts a Join that waits with a context that never ends; check
// sees it return.
func (qt *queueTest) startJoin() {
	if qt.joined != nil {
		return
	}
	qt.joined = make(chan error, 1)
	go func(joined chan<- error) { joined <- qt.q.Join(context.Background()) }(qt.joined)
}

// check compares the queue with the model once every goroutine is blocked:
// Len, and a waiting Join, which must have returned if and only if no item
// is unfinished.
func (qt *queueTest) check() {
	synctest.Wait()
	if n := qt.q.Len(); n != len(qt.m.items) {
		qt.fail("Len() = %d; want %d", n, len(qt.m.items))
	}
	if qt.joined == nil {
		return
	}
	select {
	case err := <-qt.joined:
		if err != nil || qt.m.unfinished != 0 {
			qt.fail("Join returned %v with %d items unfinished", err, qt.m.unfinished)
		}
		qt.joined = nil
	default:
		if qt.m.unfinished == 0 {
			qt.fail("Join still waits with no item unfinished")
		}
	}
}

// finish drains what is left: the items come out in the model's order, and
// once each is marked done a waiting Join returns.
func (qt *queueTest) finish() {
	qt.step = "drain"
	qt.q.Shutdown()
	qt.m.shutdown = true
	for len(qt.m.items) > 0 {
		qt.get("TryGet", qt.q.TryGet)
	}
	qt.get("TryGet", qt.q.TryGet) // shut down and drained
	for qt.m.got() > 0 {
		qt.taskDone()
	}
	qt.taskDone() // once too often
	qt.check()
	if qt.joined != nil {
		qt.fail("Join did not return once every item was done")
	}
}
