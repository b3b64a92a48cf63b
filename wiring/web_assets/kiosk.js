// The kiosk's page, on top of textual-serve's textual.js (loaded just before this file).
//
// - Font size: the largest that still gives the kiosk 120 x 40 cells on this screen
//   (or ?fontsize=N), chosen once the page's own fonts have loaded: Roboto Mono, and
//   Kiosk Han (Noto Sans CJK) for what Roboto Mono lacks.
// - Elder mode: the kiosk sends ["kiosk_text_scale", s] and the text grows s times
//   (the kiosk then gets fewer, larger cells and lays itself out again).
// - A second page is told ["kiosk_in_use"] and reloads into the in-use page.
// - A session that ends (the kiosk stopped) starts again after a few seconds.
// - Touch: a tap reaches xterm.js as a click (the browser's own mouse events from a tap),
//   a swipe scrolls (wheel events, made here).
//
// window.kioskWeb holds the page's terminal (xterm.js) and its state: the browser tests
// read the screen's cells and the cell size from it.
"use strict";

(() => {
  const COLS = 120;
  const ROWS = 40;
  const RESTART_MS = 5000;
  const FONT_FAMILY = "'Roboto Mono', 'Kiosk Han', monospace";

  const kiosk = {terminal: null, client: null, baseFontSize: 16, scale: 1, inUse: false};
  window.kioskWeb = kiosk;

  // textual.js keeps its client (the xterm.js Terminal and its fit) to itself: it is
  // caught as it is built, by the one property it sets after its terminal.
  Object.defineProperty(Object.prototype, "fitAddon", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "fitAddon",
        {value, writable: true, configurable: true, enumerable: true});
      if (this.terminal && this.element && !kiosk.client) {
        delete Object.prototype.fitAddon;
        kiosk.client = this;
        kiosk.terminal = this.terminal;
        // Before it opens and measures: our fonts, and the size as a number (textual.js
        // passes the page's data attribute, a string).
        this.terminal.options.fontFamily = FONT_FAMILY;
        this.terminal.options.fontSize = kiosk.baseFontSize;
      }
    },
  });

  function applyFontSize() {
    const size = Math.max(8, Math.round(kiosk.baseFontSize * kiosk.scale));
    document.body.dataset.fontSize = String(size);
    if (!kiosk.terminal) return;
    if (kiosk.terminal.options.fontSize !== size) kiosk.terminal.options.fontSize = size;
    kiosk.client.fit();  // new cols and rows: textual.js tells the kiosk
  }

  // The largest whole font size that leaves COLS x ROWS cells in the window.
  function fittingFontSize() {
    const probe = document.createElement("span");
    probe.style.cssText = "position:absolute;visibility:hidden;white-space:pre;" +
      "font-family:'Roboto Mono',monospace;font-size:100px;line-height:normal";
    probe.textContent = "W".repeat(32);
    document.body.appendChild(probe);
    const box = probe.getBoundingClientRect();
    probe.remove();
    const cellWidth = box.width / 32 / 100;
    const cellHeight = box.height / 100;
    const size = Math.min(window.innerWidth / (COLS * cellWidth),
                          window.innerHeight / (ROWS * cellHeight));
    return Math.max(8, Math.floor(size * 0.98));
  }

  function message(type, value) {
    if (type === "kiosk_text_scale") {
      kiosk.scale = Number(value) || 1;
      applyFontSize();
    } else if (type === "kiosk_in_use") {
      kiosk.inUse = true;
      window.location.reload();
    }
  }

  // Our messages ride on textual.js's WebSocket (it ignores types it does not know).
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class KioskWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") return;
        const [type, value] = JSON.parse(event.data);
        message(type, value);
      });
      this.addEventListener("close", () => {
        if (!kiosk.inUse) window.setTimeout(() => window.location.reload(), RESTART_MS);
      });
    }
  };

  // A swipe scrolls what is under the finger (a long page in elder mode): the browser
  // makes no wheel events from touch, so the page does, and xterm.js passes them on to
  // the kiosk. A tap still reaches xterm.js as the browser's own click.
  let swipeY = null;
  document.addEventListener("touchstart", (event) => {
    swipeY = event.touches.length === 1 ? event.touches[0].clientY : null;
  }, {passive: true});
  document.addEventListener("touchmove", (event) => {
    if (swipeY === null || !kiosk.terminal || event.touches.length !== 1) return;
    const touch = event.touches[0];
    const screen = document.querySelector(".xterm-screen");
    const row = screen.getBoundingClientRect().height / kiosk.terminal.rows;
    const lines = Math.trunc((swipeY - touch.clientY) / row);
    if (lines === 0) return;
    swipeY -= lines * row;
    for (let n = 0; n < Math.abs(lines); n++) {
      screen.dispatchEvent(new WheelEvent("wheel", {
        deltaY: Math.sign(lines) * row, deltaMode: WheelEvent.DOM_DELTA_PIXEL,
        clientX: touch.clientX, clientY: touch.clientY, bubbles: true, cancelable: true}));
    }
  }, {passive: true});

  const startTextual = window.onload;
  window.onload = async (event) => {
    document.getElementById("restart").addEventListener("click",
      () => window.location.reload());
    const element = document.getElementById("terminal");
    const fixed = element.dataset.fixedFontSize === "yes";
    try {  // measure with the real fonts, not a fallback
      await Promise.all([document.fonts.load("16px 'Roboto Mono'", "W"),
                         document.fonts.load("16px 'Kiosk Han'", "中")]);
    } catch (error) {
      console.warn("kiosk: a font did not load", error);
    }
    kiosk.baseFontSize = fixed ? Number(element.dataset.fontSize) : fittingFontSize();
    element.dataset.fontSize = String(kiosk.baseFontSize);
    document.body.dataset.fontSize = String(kiosk.baseFontSize);
    startTextual(event);
    window.onresize = () => {
      if (!fixed) kiosk.baseFontSize = fittingFontSize();
      applyFontSize();
    };
  };
})();
