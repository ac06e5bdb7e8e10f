package redisq

import (
	"context"
	"errors"
	"fmt"
)

// An entry is a stream entry as read: its id and its payload, the field v;
// ok is false if it has no such field.
type entry struct {
	id      string
	payload string
	ok      bool
}

// entriesOf reads the entries of takeScript's reply {status, entries}, each
// entry {id, {field, value, ...}}.
func entriesOf(reply any) []entry {
	r, _ := reply.([]any)
	if len(r) < 2 {
		return nil
	}
	list, _ := r[1].([]any)
	entries := make([]entry, 0, len(list))
	for _, e := range list {
		pair, _ := e.([]any)
		if len(pair) < 2 {
			continue
		}
		id, _ := pair[0].(string)
		en := entry{id: id}
		fields, _ := pair[1].([]any)
		for i := 0; i+1 < len(fields); i += 2 {
			if f, _ := fields[i].(string); f == "v" {
				en.payload, en.ok = fields[i+1].(string)
			}
		}
		entries = append(entries, en)
	}
	return entries
}

// decode turns entries into items. An entry that does not decode is moved
// to the malformed stream, so that it holds no one back; its error is
// returned beside the items that decode.
func (q *Queue[T]) decode(ctx context.Context, entries []entry) ([]*Item[T], error) {
	items := make([]*Item[T], 0, len(entries))
	var errs []error
	for _, e := range entries {
		it := &Item[T]{ID: e.id, id: e.id, q: q}
		err := errors.New("it has no field v")
		if e.ok {
			err = q.codec.Unmarshal([]byte(e.payload), &it.Value)
		}
		if err == nil {
			items = append(items, it)
			continue
		}
		errs = append(errs, q.setAside(ctx, e.id, err))
	}
	if len(items) == 0 {
		return nil, joined(errs)
	}
	return items, joined(errs)
}

// joined is errors.Join, but one error comes back as itself: Get's
// *MalformedError is one, not a join of one.
func joined(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// setAside moves the entry id to the malformed stream, and returns the
// error that says so (or, if Redis fails, that says that too: the entry is
// then still pending, and comes back after the visibility timeout).
func (q *Queue[T]) setAside(ctx context.Context, id string, reason error) error {
	malformed := &MalformedError{ID: id, Stream: q.malformed, Err: reason}
	_, err := q.run(ctx, asideScript, []string{q.stream, q.malformed}, group, id, reason.Error())
	if err != nil {
		return fmt.Errorf("%w; moving it aside failed too, so it will come back after the visibility timeout: %w", malformed, err)
	}
	return malformed
}
