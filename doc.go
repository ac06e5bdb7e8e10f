// Package scope is structured concurrency for Go: Python's asyncio.TaskGroup,
// and the toolbox around it, for goroutines.
//
// Every goroutine scope starts belongs to a [Scope]. A scope does not return
// until all of its tasks have returned, the first failure cancels the rest,
// every failure comes back as one [*Error] tree, and nothing it started runs on
// afterwards.
package scope
