// The watch page, /watch/<key>: follows the stream's /status, plays it with hls.js (natively where
// only the browser plays HLS, as Safari on older iPhones), shows the chat. Everything that comes
// from publishers or chatters is set with textContent only.
'use strict';
(() => {
  const STATUS_EVERY_MS = 2000;
  const CHAT_EVERY_MS = 3000;
  const REQUEST_TIMEOUT_MS = 5000;
  const MAX_SHOWN_MESSAGES = 200;
  const LABELS = {
    'not-live': ['Not live yet', 'Not live yet: this page starts playing when the stream begins.'],
    live: ['Live', ''],
    reconnecting: ['Reconnecting…', 'Reconnecting…'],
    ended: ['Ended', 'This stream has ended.'],
  };

  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const streamKey = decodeURIComponent(location.pathname.split('/')[2] || '');
  const base = '/livestream/' + encodeURIComponent(streamKey) + '/';

  let phase = null;
  let hls = null;
  let playing = null; // what the player has: null, 'live' or 'recording'
  let playingRun = null; // startedAt of the run being played: a new run gets a fresh player
  let isPlayerBroken = false;
  let recordingUrl; // undefined: not looked for since the stream was last live
  let lastStatus = null;

  async function request(url, method = 'GET') {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(url, { method, cache: 'no-store', signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  function setPhase(next) {
    if (next === phase) return;
    phase = next;
    const [label, overlay] = LABELS[next];
    $('state').dataset.state = next;
    $('state').textContent = label;
    $('overlay').textContent = overlay;
    $('ended').hidden = next !== 'ended';
  }

  // The LL-HLS presentation, when the studio has one, is named in /status and preferred (with
  // hls.js's low-latency mode); otherwise the ABR master playlist.
  function choosePlaylist(status) {
    const lowLatency = status.overall && status.overall.lowLatencyPlaylist;
    if (typeof lowLatency === 'string' && /^[A-Za-z0-9_-]+\.m3u8$/.test(lowLatency))
      return { url: base + lowLatency, isLowLatency: true };
    return { url: base + 'master.m3u8', isLowLatency: false };
  }

  function stopPlayer() {
    if (hls) hls.destroy();
    hls = null;
    if (video.getAttribute('src')) {
      video.removeAttribute('src');
      video.load();
    }
    playing = null;
    delete video.dataset.engine;
  }

  function play(url, isLowLatency, what) {
    stopPlayer();
    isPlayerBroken = false;
    playing = what;
    if (window.Hls && window.Hls.isSupported()) {
      let hasRecoveredMedia = false;
      // LL: after a stall hls.js stays behind unless it may play faster to catch up.
      hls = new window.Hls({ lowLatencyMode: isLowLatency, backBufferLength: 30,
                             maxLiveSyncPlaybackRate: isLowLatency ? 1.5 : 1 });
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !hasRecoveredMedia) {
          hasRecoveredMedia = true;
          hls.recoverMediaError();
          return;
        }
        // The next /status that says live starts a new player.
        stopPlayer();
        isPlayerBroken = true;
        if (phase === 'live') setPhase('reconnecting');
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      video.dataset.engine = 'hls.js';
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url;
      video.dataset.engine = 'native';
    } else {
      $('overlay').textContent = 'This browser cannot play HLS video.';
      return;
    }
    video.dataset.src = url;
    video.play().catch(() => { /* autoplay refused: the controls start it */ });
  }

  function phaseOf(status) {
    const overall = status.overall || {};
    const data = (status.local && status.local.streamData) || {};
    if (overall.isActive) {
      if (data.state === 'reconnecting') return 'reconnecting';
      if (data.state === 'ending') return 'ended';
      return data.state === 'live' && overall.hasVideoContent ? 'live' : 'not-live';
    }
    return overall.isEnded ? 'ended' : 'not-live';
  }

  // The recording of the stream's latest run, or null when the studio kept none.
  async function findRecording() {
    try {
      if ((await request(base + 'recording.m3u8', 'HEAD')).ok) return base + 'recording.m3u8';
    } catch { /* none reachable */ }
    return null;
  }

  async function apply(status) {
    lastStatus = status;
    const data = (status.local && status.local.streamData) || null;
    const title = (data && data.title) || 'Stream ' + streamKey;
    $('title').textContent = title;
    document.title = title + ' · AFK Host Studio';
    $('viewers').textContent = data ? Math.max(data.viewers || 0, data.httpViewers || 0) + ' watching' : '';
    let next = phaseOf(status);

    if (next === 'live') {
      recordingUrl = undefined;
      const run = data && data.startedAt;
      if (playing !== 'live' || run !== playingRun) {
        const choice = choosePlaylist(status);
        playingRun = run;
        play(choice.url, choice.isLowLatency, 'live');
      }
      setPhase(isPlayerBroken ? 'reconnecting' : 'live');
      return;
    }
    if (next === 'reconnecting') {
      setPhase(next);
      return;
    }
    if (playing === 'live') stopPlayer();
    // Looked for once after each live run: a studio started since knows nothing of an earlier
    // run but still serves its recording, so a key with one has ended rather than not started.
    if (recordingUrl === undefined) recordingUrl = await findRecording();
    if (recordingUrl) next = 'ended';
    $('play-recording').hidden = !recordingUrl;
    setPhase(next);
  }

  async function followStatus() {
    try {
      const response = await request(base + 'status');
      if (!response.ok) throw new Error('HTTP ' + response.status);
      await apply(await response.json());
    } catch {
      // The studio is out of reach: a live stream is reconnecting; an ended one stays ended.
      if (phase !== 'ended') setPhase(phase === null ? 'not-live' : 'reconnecting');
    }
    setTimeout(followStatus, STATUS_EVERY_MS);
  }

  $('play-recording').addEventListener('click', () => {
    if (recordingUrl) play(recordingUrl, false, 'recording');
  });

  // Chat: read from the studio, written through a NIP-07 signer to the studio's relays.
  const seenMessages = new Set();
  let chatSince = 0;

  function shortNpub(npub) {
    return typeof npub === 'string' && npub.length > 16 ? npub.slice(0, 10) + '…' + npub.slice(-4) : String(npub);
  }

  function showMessage(message) {
    if (seenMessages.has(message.id)) return;
    seenMessages.add(message.id);
    const item = document.createElement('li');
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = shortNpub(message.npub);
    who.title = String(message.npub);
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = String(message.content);
    item.append(who, text);
    const list = $('messages');
    const isAtBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.append(item);
    while (list.children.length > MAX_SHOWN_MESSAGES) list.firstElementChild.remove();
    if (isAtBottom) list.scrollTop = list.scrollHeight;
  }

  function relayUrls() {
    const relays = (lastStatus && Array.isArray(lastStatus.relays)) ? lastStatus.relays : [];
    return relays.map((relay) => relay && relay.url).filter((url) => typeof url === 'string' && /^wss?:\/\//.test(url));
  }

  function chatAddress() {
    const chat = lastStatus && lastStatus.chat;
    return chat && typeof chat.address === 'string' ? chat.address : null;
  }

  function updateChatForm(hasChat) {
    const canSend = hasChat && !!window.nostr && relayUrls().length > 0 && !!chatAddress();
    $('chat-form').hidden = !canSend;
    $('chat-note').textContent = !hasChat ? 'No chat: the studio does not announce this stream on Nostr.'
      : canSend ? '' : 'Read-only: a Nostr signer extension (NIP-07) lets you write.';
  }

  async function followChat() {
    try {
      const response = await request(base + 'chat' + (chatSince ? '?since=' + chatSince : ''));
      if (response.status === 404) {
        updateChatForm(false);
      } else if (response.ok) {
        const body = await response.json();
        for (const message of Array.isArray(body.messages) ? body.messages : []) {
          showMessage(message);
          chatSince = Math.max(chatSince, Number(message.createdAt) || 0);
        }
        updateChatForm(true);
      }
    } catch { /* the status line already says when the studio is out of reach */ }
    setTimeout(followChat, CHAT_EVERY_MS);
  }

  function publish(url, event) {
    return new Promise((resolve) => {
      let socket;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        resolve({ url, ok: false, message: String(error) });
        return;
      }
      const finish = (ok, message) => {
        clearTimeout(timer);
        socket.close();
        resolve({ url, ok, message });
      };
      const timer = setTimeout(() => finish(false, 'no answer'), 8000);
      socket.onopen = () => socket.send(JSON.stringify(['EVENT', event]));
      socket.onerror = () => finish(false, 'connection failed');
      socket.onmessage = (message) => {
        let answer;
        try { answer = JSON.parse(message.data); } catch { return; }
        if (Array.isArray(answer) && answer[0] === 'OK' && answer[1] === event.id)
          finish(answer[2] === true, String(answer[3] || ''));
      };
    });
  }

  $('chat-form').addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const input = $('chat-input');
    const content = input.value.trim();
    const address = chatAddress();
    const relays = relayUrls();
    if (!content || !address || !window.nostr || !relays.length) return;
    const note = $('chat-result');
    try {
      // NIP-53 live chat message: kind 1311 tagged with the live event's address.
      const signed = await window.nostr.signEvent({
        kind: 1311,
        created_at: Math.floor(Date.now() / 1000),
        tags: [['a', address, relays[0], 'root']],
        content,
      });
      const results = await Promise.all(relays.map((url) => publish(url, signed)));
      const accepted = results.filter((result) => result.ok).length;
      note.textContent = accepted ? 'Sent to ' + accepted + ' of ' + relays.length + ' relays.'
                                  : 'Not sent: ' + results.map((r) => r.url + ': ' + r.message).join('; ');
      if (accepted) input.value = '';
    } catch (error) {
      note.textContent = 'Not sent: ' + (error && error.message ? error.message : String(error));
    }
  });

  if (!/^[A-Za-z0-9_-]{1,64}$/.test(streamKey)) {
    setPhase('not-live');
    $('overlay').textContent = 'This is not a stream key.';
    return;
  }
  followStatus();
  followChat();
})();
