package bench

import (
	"testing"

	"go.uber.org/goleak"
)

// The benchmarks close every pool and client they start, redisq's Redis
// client included, so that goleak finds nothing of theirs. The two options
// ignore the goroutines of ants' default pool, which ants starts when its
// package is initialized and keeps for the life of the program: no
// benchmark uses it, and none could stop it without taking it from other
// users.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"))
}
