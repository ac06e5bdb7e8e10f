package scope_test

import (
	"github.com/structuredgo/scope"
)

// One tree in three runs with every kind of tracking on (set on the root,
// inherited below), so that the stress test also drives the tracked paths:
// own contexts, labels, trace regions, what tasks wait on, the registry.

// tracked reports whether the tree of seed runs tracked.
func trackedTree(seed uint64) bool { return seed%3 == 1 }

// liveIDs returns the ids of the nodes of the process's tree.
func liveIDs() map[string]bool {
	ids := map[string]bool{}
	for _, n := range scope.Snapshot().Nodes {
		ids[n.ID] = true
	}
	return ids
}

// checkSnapshot checks a snapshot taken while the tree is blocked: no node
// twice, each node after its parent if its parent is listed, and every task
// of a scope listed right under it, in the order started.
func (c *checker) checkSnapshot(tree scope.Tree) {
	seen := map[string]bool{}
	for _, n := range tree.Nodes {
		if seen[n.ID] {
			c.fail("snapshot lists %s twice:\n%s", n.ID, tree)
		}
		seen[n.ID] = true
		if n.Kind != scope.KindScope && n.Kind != scope.KindTask {
			c.fail("snapshot: node %s of kind %q", n.ID, n.Kind)
		}
		if n.Kind == scope.KindTask && (n.Parent == "" || !seen[n.Parent]) {
			c.fail("snapshot: task %s (%s) is not under its scope:\n%s", n.ID, n.Name, tree)
		}
		if n.Started.IsZero() || n.Site == "" {
			c.fail("snapshot: %s (%s) has no start time or site", n.ID, n.Name)
		}
	}
}

// checkGone checks that every scope of the tree left the process's tree:
// nothing listed now that was not listed before the tree ran.
func (c *checker) checkGone(before map[string]bool) {
	for _, n := range scope.Snapshot().Nodes {
		if !before[n.ID] {
			c.fail("after the tree ended, the process's tree still lists %s", n)
		}
	}
}
