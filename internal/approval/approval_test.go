package approval

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestModes(t *testing.T) {
	a := Action{Tool: "flex_create_vm", Service: "FortiFlex", Target: "configuration 41102", Method: "create"}
	err := New(ModeRequired, nil).Approve(context.Background(), a)
	var denied *DeniedError
	if !errors.As(err, &denied) || !strings.Contains(err.Error(), "approval") || !strings.Contains(err.Error(), "configuration 41102") {
		t.Fatalf("required: %v", err)
	}
	var buf bytes.Buffer
	g := New(ModeNone, slog.New(slog.NewTextHandler(&buf, nil)))
	if err := g.Approve(context.Background(), a); err != nil {
		t.Fatalf("none: %v", err)
	}
	if !strings.Contains(buf.String(), "APPROVAL DISABLED") || !strings.Contains(buf.String(), "without human approval") {
		t.Fatalf("none mode must warn at start and on every write: %s", buf.String())
	}
}
