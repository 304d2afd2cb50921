// The list of live streams at "/": /livestream/active, refreshed every 5 s. Titles are set with
// textContent only (they come from publishers).
'use strict';
(() => {
  const list = document.getElementById('streams');
  const note = document.getElementById('list-note');

  function entry(stream) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '/watch/' + encodeURIComponent(stream.streamKey);
    link.dataset.streamKey = stream.streamKey;
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = stream.title || 'Stream ' + stream.streamKey;
    const detail = document.createElement('div');
    detail.className = 'detail';
    const watching = Math.max(stream.viewers || 0, stream.httpViewers || 0);
    const since = stream.startedAt ? new Date(stream.startedAt).toLocaleTimeString() : '';
    detail.textContent = 'live' + (since ? ' since ' + since : '') + ' · ' + watching + ' watching';
    link.append(title, detail);
    item.append(link);
    return item;
  }

  async function refresh() {
    try {
      const response = await fetch('/livestream/active', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const body = await response.json();
      const streams = Array.isArray(body.streams) ? body.streams : [];
      list.replaceChildren(...streams.map(entry));
      note.textContent = streams.length ? '' : 'Nothing is live right now.';
    } catch (error) {
      note.textContent = 'Cannot reach the studio (' + error.message + '); retrying…';
    }
    setTimeout(refresh, 5000);
  }
  refresh();
})();
