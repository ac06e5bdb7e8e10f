// Package keep lets scopetest hold alive the scopes made under a test
// until it has checked them. The tree of tracked scopes holds scopes
// weakly, so that one dropped without Wait can be collected (and reported,
// with TrackDropped); but a check that reads the tree after a collection
// would then miss a scope the test forgot to wait for. A Keeper, put in the
// test's context, holds each tracked scope made under that context while
// it is open.
package keep

import (
	"context"
	"sync"
)

// A Keeper holds open scopes alive, by id.
type Keeper struct {
	mu   sync.Mutex
	held map[uint64]any
}

type key struct{}

// Into returns ctx carrying k: a tracked scope made under it is held by k
// until it closes.
func Into(ctx context.Context, k *Keeper) context.Context {
	return context.WithValue(ctx, key{}, k)
}

// From returns the Keeper ctx carries, or nil.
func From(ctx context.Context) *Keeper {
	k, _ := ctx.Value(key{}).(*Keeper)
	return k
}

// Hold holds v, the scope with id id, until Drop.
func (k *Keeper) Hold(id uint64, v any) {
	k.mu.Lock()
	if k.held == nil {
		k.held = make(map[uint64]any)
	}
	k.held[id] = v
	k.mu.Unlock()
}

// Drop lets go of the scope with id id, which has closed.
func (k *Keeper) Drop(id uint64) {
	k.mu.Lock()
	delete(k.held, id)
	k.mu.Unlock()
}
