// A small page to try the app in a browser (learnpath run .).
export const HOME_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Notes</title></head>
<body>
<h1>Notes</h1>
<p id="who">…</p>
<p><a href="/login">Sign in</a> · <button id="logout">Sign out</button></p>
<form id="add"><input name="text" placeholder="a note"> <button>Add</button></form>
<ul id="notes"></ul>
<script>
let csrf = null;
async function refresh() {
  const me = await fetch('/me');
  if (me.status !== 200) { document.getElementById('who').textContent = 'Not signed in.'; return; }
  const body = await me.json();
  csrf = body.csrf_token;
  document.getElementById('who').textContent = \`Signed in as \${body.user.name} <\${body.user.email}>\`;
  const notes = await (await fetch('/notes')).json();
  const list = document.getElementById('notes');
  list.replaceChildren(...notes.notes.map((n) => Object.assign(document.createElement('li'), {textContent: n.text})));
}
document.getElementById('add').onsubmit = async (e) => {
  e.preventDefault();
  const text = new FormData(e.target).get('text');
  await fetch('/notes', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({text})});
  e.target.reset(); refresh();
};
document.getElementById('logout').onclick = async () => {
  await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': csrf || ''}});
  refresh();
};
refresh();
</script>
</body></html>
`;
