package scope_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/structuredgo/scope"
)

// The stress test (stress_test.go) first plans a random tree of scopes from
// a seed, on one goroutine, then runs it. All randomness is in the plan, so a
// seed replays the same tree; only the scheduling differs between runs.

// What a task does once it runs.
type stressKind int

const (
	succeeds stressKind = iota
	fails               // returns its own unique error
	panics              // panics with its own unique value; only under CapturePanics
	exits               // runtime.Goexit
	blocks              // waits for its context, then returns cancellation noise
	cancels             // cancels its scope: a clean stop
	hosts               // runs a nested scope and returns what it returned
)

var kindNames = [...]string{"succeeds", "fails", "panics", "exits", "blocks", "cancels", "hosts"}

// How a task is started.
type stressVia int

const (
	viaGo stressVia = iota
	viaTryGo
	viaSpawn
	viaTrySpawn
	viaStart
)

var viaNames = [...]string{"Go", "TryGo", "Spawn", "TrySpawn", "Start"}

// A scopePlan is one scope of the tree, with what running it recorded.
type scopePlan struct {
	run         bool // Run, else New and Wait
	track       bool // with every kind of tracking on (the root only; scopes below inherit it)
	supervise   bool
	capture     bool
	limit       int // 0: none
	observe     bool
	waitTwice   bool            // New: Wait from a second goroutine as well
	cancelAt    int             // the owner cancels before starting tasks[cancelAt]; -1: never
	bodyErr     error           // what Run's body returns
	tasks       []*taskPlan     // started by the owner, in order
	all         []*taskPlan     // every task, siblings started by tasks included
	reachable   bool            // the root's cancellation reaches it: no shielded task above it
	parentCtx   context.Context // what it was made with
	parentCause error           // the parent's cause as Wait returned
	ctx         context.Context // its own
	made        bool            // the scope was made: its host ran
	waits       int             // returns of its Run or Wait
	waitSeq     int64           // when Run or Wait returned
	result      error           // what Run or Wait returned
	otherWait   error           // waitTwice: what the second Wait returned

	mu   sync.Mutex
	seen []failureSeen // what OnFailure was told
}

type failureSeen struct {
	task string
	err  error
}

// A taskPlan is one task, with what running it recorded. The task's own
// goroutine, or the one that started it, writes each field; the checks read
// them after the root's Wait, which the race detector checks is ordered
// after every write.
type taskPlan struct {
	id       int
	name     string
	kind     stressKind
	via      stressVia
	shielded bool
	early    bool        // Start: ends before calling ready, so its outcome is Start's caller's
	err      error       // fails: the unique error
	token    *panicToken // panics: the unique value
	child    *scopePlan  // hosts: the nested scope
	siblings []*taskPlan // started by this task into its own scope

	tried       bool             // something called Go, Spawn... for it: its starter ran
	afterCancel bool             // its starter saw the scope cancelled before the call
	refused     bool             // TryGo or TrySpawn returned false
	ran         bool             // its function started
	startSeq    int64            // when its function started
	endSeq      int64            // when its function ended, by return, panic or Goexit
	returned    error            // what its function returned, if it returned
	sawDone     bool             // hosts: its scope's context was done as it returned
	spawned     *scope.Task[int] // Spawn, TrySpawn
	startVal    int              // Start's value
	startErr    error            // Start's error
}

// panicToken is a unique panic value.
type panicToken struct{ task string }

// stressFailure is a unique failure.
type stressFailure struct{ task string }

func (f *stressFailure) Error() string { return "failure of " + f.task }

// stressSize bounds a tree.
type stressSize struct {
	depth, tasks int // nesting depth, tasks per scope
}

// planner plans a tree from a seeded source.
type planner struct {
	rng  *rand.Rand
	size stressSize
	ids  int
}

func planTree(seed uint64, size stressSize) *scopePlan {
	p := &planner{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), size: size}
	return p.scope(0, true)
}

func (p *planner) chance(oneIn int) bool { return p.rng.IntN(oneIn) == 0 }

func (p *planner) scope(depth int, reachable bool) *scopePlan {
	sp := &scopePlan{
		run:       !p.chance(3),
		supervise: p.chance(3),
		capture:   !p.chance(3),
		observe:   p.chance(2),
		reachable: reachable,
		cancelAt:  -1,
	}
	if p.chance(3) {
		sp.limit = 1 + p.rng.IntN(3)
	}
	sp.waitTwice = !sp.run && p.chance(3)
	n := p.rng.IntN(p.size.tasks + 1)
	for range n {
		sp.tasks = append(sp.tasks, p.task(sp, depth, true))
	}
	if p.chance(6) {
		sp.cancelAt = p.rng.IntN(n + 1)
	}
	if sp.run && p.chance(8) {
		sp.bodyErr = &stressFailure{task: "body"}
	}
	return sp
}

// task plans a task of sp. Blocking tasks only go where the root's
// cancellation reaches, or nothing would ever end them; siblings are leaves
// started with TryGo or TrySpawn under a limit, since a task that waits for a
// slot of its own scope can deadlock it.
func (p *planner) task(sp *scopePlan, depth int, withSiblings bool) *taskPlan {
	p.ids++
	tp := &taskPlan{id: p.ids, name: fmt.Sprintf("t%d", p.ids), shielded: p.chance(6)}
	tp.via = stressVia(p.rng.IntN(5))
	if !withSiblings && (tp.via == viaStart || sp.limit > 0) {
		tp.via = []stressVia{viaTryGo, viaTrySpawn}[p.rng.IntN(2)]
	}
	tp.early = tp.via == viaStart && p.chance(3)
	tp.kind = p.kind(sp, tp, depth)
	switch tp.kind {
	case fails:
		tp.err = &stressFailure{task: tp.name}
	case panics:
		tp.token = &panicToken{task: tp.name}
	case hosts:
		tp.child = p.scope(depth+1, sp.reachable && !tp.shielded)
	}
	sp.all = append(sp.all, tp)
	if withSiblings && p.chance(5) {
		for range 1 + p.rng.IntN(2) {
			tp.siblings = append(tp.siblings, p.task(sp, depth, false))
		}
	}
	return tp
}

// kindWeights makes most tasks live long enough to meet the others: a
// failure or a cancellation ends the rest of its scope early.
var kindWeights = [...]int{succeeds: 6, fails: 2, panics: 1, exits: 1, blocks: 4, cancels: 1, hosts: 4}

func (p *planner) kind(sp *scopePlan, tp *taskPlan, depth int) stressKind {
	for {
		k := p.weighted()
		switch {
		case k == panics && !sp.capture,
			k == blocks && (!sp.reachable || tp.shielded),
			k == hosts && depth >= p.size.depth:
			continue
		}
		return k
	}
}

// String draws the plan, for a failure report.
func (sp *scopePlan) String() string {
	var b strings.Builder
	sp.draw(&b, "")
	return b.String()
}

func (sp *scopePlan) draw(b *strings.Builder, indent string) {
	form := "New"
	if sp.run {
		form = "Run"
	}
	fmt.Fprintf(b, "%sscope %s supervise=%v capture=%v limit=%d cancelAt=%d body=%v waitTwice=%v -> %v\n",
		indent, form, sp.supervise, sp.capture, sp.limit, sp.cancelAt, sp.bodyErr, sp.waitTwice, sp.result)
	for _, tp := range sp.all {
		fmt.Fprintf(b, "%s  %s %s %s shielded=%v early=%v ran=%v refused=%v afterCancel=%v\n",
			indent, tp.name, viaNames[tp.via], kindNames[tp.kind], tp.shielded, tp.early, tp.ran, tp.refused, tp.afterCancel)
		if tp.child != nil {
			tp.child.draw(b, indent+"    ")
		}
	}
}

func (p *planner) weighted() stressKind {
	total := 0
	for _, w := range kindWeights {
		total += w
	}
	n := p.rng.IntN(total)
	for k, w := range kindWeights {
		if n < w {
			return stressKind(k)
		}
		n -= w
	}
	panic("unreachable")
}
