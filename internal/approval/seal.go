package approval

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// sealedState is what an elicitation round trip carries through the client (the requestState
// of 2026-07-28, echoed back on the retry). It is sealed with AES-GCM under a key that never
// leaves this process, so a client cannot forge one, read one, or alter the action it names.
type sealedState struct {
	V       int    `json:"v"`
	Attempt string `json:"a"` // audit attempt id: single use (the store lets it be decided once)
	Tool    string `json:"t"`
	Digest  string `json:"d"` // Action.Digest: binds the answer to the exact action
	Expires int64  `json:"e"` // unix seconds
}

// sealAAD names the purpose, so a sealed value cannot be replayed in another role.
var sealAAD = []byte("forticloud-mcp/approval-state/v1")

type sealer struct{ aead cipher.AEAD }

func newSealer() (*sealer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

func (s *sealer) seal(st sealedState) string {
	st.V = 1
	plain, _ := json.Marshal(st)
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, sealAAD))
}

var errForged = errors.New("the approval state was not issued by this server process (forged, altered, or from before a restart)")

// maxStateLen bounds what we try to open (a sealed state is ~200 bytes).
const maxStateLen = 4096

func (s *sealer) open(text string) (sealedState, error) {
	var st sealedState
	if len(text) > maxStateLen {
		return st, errForged
	}
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return st, errForged
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], sealAAD)
	if err != nil {
		return st, errForged
	}
	if err := json.Unmarshal(plain, &st); err != nil || st.V != 1 || st.Attempt == "" {
		return st, fmt.Errorf("%w: unreadable", errForged)
	}
	return st, nil
}

func (st sealedState) expired(now time.Time) bool { return now.Unix() >= st.Expires }
