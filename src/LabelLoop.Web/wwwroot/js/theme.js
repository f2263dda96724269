// Remembers the theme the user chose (light or dark) for a year; the server reads the cookie to render the first paint.
window.labelloopTheme = {
  remember(mode) {
    document.cookie = `labelloop.theme=${mode === 'dark' ? 'dark' : 'light'}; path=/; max-age=31536000; samesite=lax`;
  },
};
