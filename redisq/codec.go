package redisq

import "encoding/json"

// A Codec turns items into the bytes stored in the stream, and back. Its
// methods are called from many goroutines at once.
type Codec interface {
	// Marshal returns the bytes of v, which is a T.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a *T.
	Unmarshal(data []byte, v any) error
}

// JSON is the default [Codec]: encoding/json, so that entries are readable
// with redis-cli and by programs in other languages.
var JSON Codec = jsonCodec{}

// jsonCodec is [JSON]: its methods are encoding/json's.
type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
