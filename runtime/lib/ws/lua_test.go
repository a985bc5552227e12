package ws_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

func TestLua(t *testing.T) { rttest.RunLua(t) }
