package redisq_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A lostReplies proxy stands between a client and Redis; armed, it lets
// the next request through and drops Redis's reply, closing the
// connection: the connection broke after Redis did the work.
type lostReplies struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

// loseReplies starts a proxy to addr for t; t's cleanup stops it.
func loseReplies(t *testing.T, addr string) *lostReplies {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	p := &lostReplies{ln: ln, target: addr}
	p.wg.Go(p.serve)
	t.Cleanup(p.stop)
	return p
}

func (p *lostReplies) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Go(func() { io.Copy(server, client); server.Close() })
		p.wg.Go(func() { p.reply(client, server) })
	}
}

// reply copies Redis's replies to the client, until armed: then it drops
// the next one and closes both ends.
func (p *lostReplies) reply(client, server net.Conn) {
	defer client.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 && p.armed.CompareAndSwap(true, false) {
			server.Close()
			return
		}
		if n > 0 {
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *lostReplies) stop() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// A reply lost after Redis added or took an item delays it or doubles it,
// and loses nothing, as doc/distributed.md ("A lost reply") says: with
// go-redis's retries, a Put adds its item twice and returns nil, and a Get
// leaves the item it took pending until the visibility timeout and
// returns the next; without them, both return the error, the item put is
// there, and the item taken comes back.
func TestALostReplyDelaysOrDoublesButLosesNothing(t *testing.T) {
	for _, retries := range []int{0, -1} { // 0: go-redis's default, 3
		name := map[int]string{0: "retried", -1: "not retried"}[retries]
		t.Run(name, func(t *testing.T) {
			srv, direct := server(t)
			p := loseReplies(t, srv.Addr)
			rdb := redis.NewClient(&redis.Options{Addr: p.ln.Addr().String(), PoolSize: 1, MaxRetries: retries})
			t.Cleanup(func() { rdb.Close() })
			q := open[string](t, rdb, soon)
			ctx := within(t, 10*time.Second)
			roundTrip(t, q, "warm-up") // loads the scripts, so that the next calls are one round trip each

			p.armed.Store(true)
			putErr := q.Put(ctx, "put")
			copies, err := direct.XLen(ctx, "redisq:{"+strings.ReplaceAll(t.Name(), "/", ".")+"}").Result()
			if err != nil {
				t.Fatalf("XLEN = %v", err)
			}
			if retries == 0 && (putErr != nil || copies != 2) || retries < 0 && (putErr == nil || copies != 1) {
				t.Fatalf("Put with its reply lost = %v, and the stream holds %d copies; want nil and 2 retried, an error and 1 not", putErr, copies)
			}

			if err := q.Put(ctx, "after"); err != nil {
				t.Fatalf("Put = %v", err)
			}
			p.armed.Store(true)
			first, getErr := q.Get(ctx)
			if retries == 0 && getErr != nil || retries < 0 && getErr == nil {
				t.Fatalf("Get with its reply lost = %v, %v; want an item retried, an error not", first, getErr)
			}
			got, taken := map[string]int{}, 0
			if first != nil {
				got[first.Value]++
				taken++
				if err := first.Done(ctx); err != nil {
					t.Fatalf("Done = %v", err)
				}
			}
			for range int(copies) + 1 - taken { // what is left, the item the lost reply held among it
				it, err := q.Get(ctx)
				if err != nil {
					t.Fatalf("Get = %v (got %v so far)", err, got)
				}
				got[it.Value]++
				if err := it.Done(ctx); err != nil {
					t.Fatalf("Done = %v", err)
				}
			}
			if got["put"] != int(copies) || got["after"] != 1 {
				t.Errorf("got %v; want each copy of \"put\" (%d) and \"after\" once", got, copies)
			}
			if err := q.Join(ctx); err != nil {
				t.Errorf("Join = %v", err)
			}
		})
	}
}
