package redisq

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// An Option configures a [Queue] at [Open]. Options are made by the With
// functions of this package only.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set; defaults are set in one place, newConfig.
type config struct {
	capacity   int
	codec      Codec
	visibility time.Duration
	poll       time.Duration
	consumer   string
}

// The defaults of the options.
const (
	// DefaultVisibilityTimeout is how long an item got stays with its
	// consumer, unmarked, before it is given to another.
	DefaultVisibilityTimeout = 30 * time.Second
	// DefaultPollInterval is how often blocked calls look again.
	DefaultPollInterval = 50 * time.Millisecond
)

func newConfig(opts []Option) config {
	c := config{codec: JSON, visibility: DefaultVisibilityTimeout, poll: DefaultPollInterval}
	for _, o := range opts {
		if o == nil {
			panic("redisq: nil Option passed to Open; pass options made by the With functions, or none")
		}
		o.apply(&c)
	}
	if c.consumer == "" {
		c.consumer = defaultConsumer()
	}
	return c
}

// WithCapacity bounds the queue to n items waiting to be got: [Queue.Put]
// blocks, and [Queue.TryPut] fails, while n items are queued. Items got and
// not yet marked done do not count, as in scope.Queue. 0, the default, is
// unbounded. It panics if n is negative.
func WithCapacity(n int) Option {
	if n < 0 {
		panic(fmt.Sprintf("redisq: WithCapacity(%d); pass 0 for an unbounded queue or a positive bound", n))
	}
	return optionFunc(func(c *config) { c.capacity = n })
}

// WithCodec sets how items are turned into bytes in the stream and back;
// [JSON] is the default. Every process sharing a queue must use the same
// codec. It panics if codec is nil.
func WithCodec(codec Codec) Option {
	if codec == nil {
		panic("redisq: WithCodec(nil); pass a Codec such as redisq.JSON, or leave the option out")
	}
	return optionFunc(func(c *config) { c.codec = codec })
}

// WithVisibilityTimeout sets how long an item got may stay unmarked before
// it is given to a consumer again, another or the same one, whichever asks
// first ([DefaultVisibilityTimeout] by default).
// Make it longer than the longest processing of an item: a consumer still
// working when it expires has its item processed twice. It panics if d is
// under a millisecond, the unit Redis counts idle time in (a shorter one
// would be 0: every item taken back at once).
func WithVisibilityTimeout(d time.Duration) Option {
	if d < time.Millisecond {
		panic(fmt.Sprintf("redisq: WithVisibilityTimeout(%v); pass a duration of a millisecond or more, longer than an item's processing", d))
	}
	return optionFunc(func(c *config) { c.visibility = d })
}

// WithPollInterval sets how often a blocked call looks again
// ([DefaultPollInterval] by default): a Get blocks in Redis for at most that
// long before it checks the shutdown marker, or waits in line for a turn to
// block as long before it looks again (see the package doc); a Put on a
// full queue and a Join check again at that pace. Shorter reacts faster and
// costs Redis more round trips. It panics if d is not positive.
func WithPollInterval(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("redisq: WithPollInterval(%v); pass a positive duration, such as 50ms", d))
	}
	return optionFunc(func(c *config) { c.poll = d })
}

// WithConsumer names this queue's consumer in the group, as XINFO CONSUMERS
// lists it. By default it is host-pid-n, distinct for every [Open] in a process.
// Two queues must not share a name while both run. It panics if name is
// empty.
func WithConsumer(name string) Option {
	if name == "" {
		panic("redisq: WithConsumer(\"\"); pass a name unique among the running consumers, or leave the option out")
	}
	return optionFunc(func(c *config) { c.consumer = name })
}

// opened counts the queues opened by this process, to tell their consumers
// apart.
var opened atomic.Int64

func defaultConsumer() string {
	host, err := os.Hostname()
	if err != nil {
		host = "host"
	}
	return fmt.Sprintf("%s-%d-%d", host, os.Getpid(), opened.Add(1))
}
