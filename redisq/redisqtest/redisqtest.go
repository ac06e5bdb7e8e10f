// Package redisqtest starts a real redis-server for tests and benchmarks, as
// net/http/httptest starts a real HTTP server: on a free loopback port, its
// data in a temporary directory, stopped when the test ends.
package redisqtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv names the environment variable that turns a missing
// redis-server from a skip into a failure: CI sets it, so that the tests
// that need Redis never silently skip there.
const RequireEnv = "REDISQ_REQUIRE_SERVER"

// A Server is a redis-server started by [Start].
type Server struct {
	Addr string // host:port on the loopback interface

	bin    string
	dir    string
	args   []string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts redis-server on a free port of 127.0.0.1 with append-only
// persistence (so that [Server.Restart] keeps the data) in tb.TempDir(),
// and stops it when tb ends. Extra redis-server arguments come after the
// defaults and override them, such as "--appendfsync", "always". If
// redis-server is not on PATH it skips tb with the command that installs
// it, or fails tb when the environment variable [RequireEnv] is set.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redisqtest: redis-server is not on PATH; install it (apt-get install -y redis-server) to run the tests that need Redis"
		if os.Getenv(RequireEnv) != "" {
			tb.Fatalf("%s (%s is set, so this is a failure, not a skip)", msg, RequireEnv)
		}
		tb.Skip(msg)
	}
	s := &Server{bin: bin, dir: tb.TempDir(), args: args}
	var last error
	for range 5 { // another program may take the free port before redis-server does
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redisqtest: finding a free port: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if last = s.start(); last == nil {
			tb.Cleanup(s.stop)
			return s
		}
	}
	tb.Fatalf("redisqtest: %v", last)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start starts redis-server and waits until it answers PING.
func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	args := append([]string{
		"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--logfile", "redis.log", "--save", "", "--appendonly", "yes",
		"--daemonize", "no", "--protected-mode", "no",
	}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Dir = s.dir
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if ping(s.Addr) == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on %s exited at start:\n%s", s.Addr, s.log())
		case <-time.After(10 * time.Millisecond): // poll until it listens and has loaded its data
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("redis-server on %s did not answer PING within 15s:\n%s", s.Addr, s.log())
		}
	}
}

// ping sends PING over a plain connection (no client, so no pool goroutines
// to wait for) and reports whether the answer was PONG; while loading its
// data Redis answers LOADING.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// Client returns a client of the server, closed when tb ends (before the
// server stops, so that goleak finds no pool goroutine left).
func (s *Server) Client(tb testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// Kill kills the server at once (SIGKILL), as a crash would: what it had not
// yet written to its append-only file is lost ("--appendfsync always" loses
// nothing).
func (s *Server) Kill() { s.kill() }

// Restart kills the server (SIGKILL) and starts it again on the same port
// with the same data.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.kill()
	if err := s.start(); err != nil {
		tb.Fatalf("redisqtest: restarting: %v", err)
	}
}

func (s *Server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop asks the server to exit (SIGTERM), killing it if it takes longer
// than ten seconds.
func (s *Server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.kill()
	}
}
