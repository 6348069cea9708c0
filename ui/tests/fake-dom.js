// A small stand-in for the DOM: just what dom.js's h() and the views use. Importing this
// module installs it as `document` and `Node`; the views are imported after it.

export class FakeNode {}

export class FakeText extends FakeNode {
  constructor(data) {
    super();
    this.data = String(data);
  }
  get textContent() {
    return this.data;
  }
}

export class FakeElement extends FakeNode {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.childNodes = [];
    this.attributes = {};
    this.dataset = {};
    this.className = "";
    this.hidden = false;
    this.value = "";
    this.checked = false;
    this.disabled = false;
    this.listeners = {};
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  appendChild(child) {
    this.childNodes.push(child);
    return child;
  }
  replaceChildren(...children) {
    this.childNodes = children;
  }
  append(...children) {
    for (const c of children) this.childNodes.push(c instanceof FakeNode ? c : new FakeText(c));
  }
  /** Only `[data-testid=NAME]`: what the views look up in their own output. */
  querySelector(selector) {
    const m = /^\[data-testid=([\w-]+)\]$/.exec(selector);
    if (!m) throw new Error(`the fake DOM does not understand ${selector}`);
    const walk = (node) => {
      for (const c of node.childNodes ?? []) {
        if (!(c instanceof FakeElement)) continue;
        if (c.attributes["data-testid"] === m[1]) return c;
        const found = walk(c);
        if (found) return found;
      }
      return null;
    };
    return walk(this);
  }
  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }
  dispatch(type) {
    for (const listener of this.listeners[type] ?? []) listener({ type, preventDefault() {} });
  }
  focus() {}
  select() {}
  get textContent() {
    return this.childNodes.map((c) => c.textContent).join("");
  }
  set textContent(text) {
    this.childNodes = [new FakeText(text)];
  }
}

globalThis.Node = FakeNode;
globalThis.document = {
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => new FakeText(text),
};
