package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/structuredgo/scope"
)

// The busy work: each function runs a scope until ctx ends, and returns nil
// then, the scope's cancellation being the way to stop it. Between them
// the tree shows every state: tasks running, waiting for a limit, and
// cancelling; tasks blocked in Sleep, Queue.Get, Task.Wait and Wait; and
// scopes opened inside tasks, under them.

// ticker runs a scope "ticker" whose one task ticks every unit.
func ticker(ctx context.Context, unit time.Duration) error {
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			for {
				if err := scope.Sleep(ctx, unit); err != nil {
					return err
				}
			}
		}, scope.Named("tick"))
		return nil
	}, scope.WithName("ticker"))
}

// workers runs a scope "workers" of at most three tasks: a producer that
// puts a job on a queue every unit, and two workers that each take a job
// and spend a quarter of a unit on it, so they mostly wait in Queue.Get.
func workers(ctx context.Context, unit time.Duration) error {
	q := scope.NewQueue[int](8)
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			for job := 1; ; job++ {
				if err := q.Put(ctx, job); err != nil {
					return err
				}
				if err := scope.Sleep(ctx, unit); err != nil {
					return err
				}
			}
		}, scope.Named("producer"))
		for i := 1; i <= 2; i++ {
			s.Go(func(ctx context.Context) error {
				for range q.All(ctx) {
					if err := scope.Sleep(ctx, unit/4); err != nil {
						return err
					}
				}
				return context.Cause(ctx) // All ends when ctx does
			}, scope.Named(fmt.Sprint("worker-", i)))
		}
		return nil
	}, scope.WithName("workers"), scope.WithLimit(3))
}

// A site is one the crawler visits.
type site struct {
	name  string
	pages []page
}

// A page is a path and how long it takes to fetch, in units.
type page struct {
	path  string
	units int
}

// sites take longer than the crawler's limit of two lets them run at once,
// so a third often waits; c.example has a page slower than the crawler's
// patience of four units, and is cut short.
var sites = []site{
	{"a.example", []page{{"/", 1}, {"/about", 2}}},
	{"b.example", []page{{"/", 1}, {"/blog", 3}}},
	{"c.example", []page{{"/", 1}, {"/slow", 10}}},
}

// crawler runs a scope "crawler" that crawls the sites over and over, at
// most two at a time: each site in a scope of its own, opened in the task
// that crawls it.
func crawler(ctx context.Context, unit time.Duration) error {
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for {
			for _, st := range sites {
				// Under the limit, Go waits for a slot; the task is
				// listed as waiting meanwhile.
				s.Go(func(ctx context.Context) error { return crawl(ctx, st, unit) }, scope.Named("crawl "+st.name))
			}
			if err := scope.Sleep(ctx, unit); err != nil {
				return nil // stopped: Run reports why
			}
		}
	}, scope.WithName("crawler"), scope.WithLimit(2))
}

// crawl fetches a site's robots.txt, then its pages, each once robots.txt
// is in. A site that takes more than four units is given up, not failed.
func crawl(ctx context.Context, st site, unit time.Duration) error {
	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		robots := scope.Spawn(s, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, scope.Sleep(ctx, unit)
		}, scope.Named("robots.txt"))
		for _, p := range st.pages {
			s.Go(func(ctx context.Context) error {
				if _, err := robots.Wait(ctx); err != nil {
					return err
				}
				return fetch(ctx, time.Duration(p.units)*unit, unit/2)
			}, scope.Named("GET "+p.path))
		}
		return nil
	}, scope.WithName(st.name), scope.WithTimeout(4*unit))
	if errors.Is(err, context.DeadlineExceeded) {
		return nil // too slow: skipped this round
	}
	return err
}

// fetch stands for a request that takes d, and cleanup after it is cut
// short, such as closing its connection, that takes a while: meanwhile the
// tree shows it, and its site, cancelling.
func fetch(ctx context.Context, d, cleanup time.Duration) error {
	err := scope.Sleep(ctx, d)
	if err != nil {
		// Sleep on a context that never ends returns nil: nothing to check.
		_ = scope.Sleep(context.WithoutCancel(ctx), cleanup)
	}
	return err
}
