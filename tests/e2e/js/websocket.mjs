// A phone or browser app's live connection, through the WHATWG WebSocket that browsers
// and Node ship (not our Python client): open with the id token in the query string,
// ping, say "ready", then print the first message pushed of the type asked
// ("notification" by default; "message" for a direct message) and close.
const [url, token, wanted = "notification"] = process.argv.slice(2);
const socket = new WebSocket(`${url}/?token=${encodeURIComponent(token)}`);
const give_up = setTimeout(() => { console.log(JSON.stringify({ error: "timeout" })); process.exit(1); }, 30000);
socket.onopen = () => socket.send(JSON.stringify({ action: "ping", id: "js" }));
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.type === "pong") console.log(JSON.stringify({ ready: message.id }));
  if (message.type === wanted) {
    console.log(JSON.stringify(message));
    clearTimeout(give_up);
    socket.close(1000);
  }
};
socket.onclose = (event) => { if (event.code !== 1000) console.log(JSON.stringify({ closed: event.code })); process.exit(0); };
socket.onerror = () => { console.log(JSON.stringify({ error: "refused" })); process.exit(0); };
