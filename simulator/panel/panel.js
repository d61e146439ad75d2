// The device panel page: draws the kiosk from the server's events and sends
// each click as a small JSON request. Plain browser JavaScript, no build.
const $ = (selector) => document.querySelector(selector);
let state;

async function act(path, body) {
  const response = await fetch(`/api/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) console.error(`${path}: ${response.status} ${await response.text()}`);
}

function draw(s) {
  state = s;
  $("#dev").textContent = `${s.dev} (${s.auth})`;
  const rows = document.querySelectorAll("#lcd .row");
  s.screen.forEach((line, i) => (rows[i].textContent = line));
  for (const [led, mode] of Object.entries(s.leds)) {
    const el = $(`#led-${led}`);
    el.className = `led ${mode}`;
    el.dataset.mode = mode;
  }
  s.ballot.options.forEach((o, i) => {
    const button = $(`#opt${i + 1}`);
    if (button) button.textContent = `${i + 1} ${o.label}`;
  });
  const select = $("#finger-select");
  if (select.options.length !== s.fingers.length) select.replaceChildren(...s.fingers.map((f) => new Option(f, f)));
  $("#watts").textContent = String(s.watts);
  if (document.activeElement !== $("#load")) $("#load").value = String(s.watts);
  $("#energy").textContent = s.energyWh.toFixed(1);
  $("#link-toggle").textContent = s.linkUp ? "Take the network down" : "Bring the network back";
  $("#power-toggle").textContent = s.on ? "Cut the power" : "Power on";
  $("#mode").textContent = s.mode;
  $("#voters").replaceChildren(
    ...s.voters.map((v) => {
      const li = document.createElement("li");
      li.textContent = `${v.number}: ${v.id}${v.pin ? `, PIN ${v.pin}` : ""}${v.finger ? `, finger ${v.finger}` : ""}`;
      return li;
    }),
  );
  $("#messages").replaceChildren(
    ...s.messages
      .slice()
      .reverse()
      .map((m) => {
        const li = document.createElement("li");
        li.className = m.direction;
        li.dataset.type = m.payload ? m.payload.t : "";
        li.textContent = `${m.at.toFixed(1)} s ${m.direction === "out" ? "→" : "←"} ${m.summary}`;
        li.title = `${m.topic}\n${m.hex}`;
        return li;
      }),
  );
  $("#log").textContent = s.log.join("\n");
  document.body.classList.toggle("busy", s.busy);
}

for (const button of document.querySelectorAll("[data-key]")) button.addEventListener("click", () => act("key", { key: button.dataset.key }));
for (const button of document.querySelectorAll("[data-button]")) button.addEventListener("click", () => act("press", { button: button.dataset.button }));
$("#place-finger").addEventListener("click", () => act("finger", { finger: $("#finger-select").value }));
$("#load").addEventListener("change", () => act("load", { watts: Number($("#load").value) }));
$("#link-toggle").addEventListener("click", () => act("link", { up: !state.linkUp }));
$("#power-toggle").addEventListener("click", () => act("power", { on: !state.on }));

const events = new EventSource("/api/events");
events.onmessage = (event) => draw(JSON.parse(event.data));
