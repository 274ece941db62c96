// The showcase's script, served by StaticFiles from site.js.br or site.js.gz.
document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('assets-status');
  if (status) status.textContent = 'script loaded';
});
