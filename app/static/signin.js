/* The sign-in bar shared by the DPO's pages (the GraphiQL console at /graphql, the dashboard at /dpo).

   - The session token is kept in this tab only (sessionStorage): never in localStorage, never in a
     cookie. Requests carry it as "Authorization: Bearer <token>".
   - No inline script anywhere: the pages run under a CSP with script-src 'self'.

   AlveoleSignIn.start({ endpoint, onSignIn(user, restored), onSignOut(message, isError) }) builds the bar
   (#login-form, #session with #session-user and #logout, #console-status) after the h1 of the page's
   <header id="console-bar">, wires it, and returns { session, post, authorisedFetch, say, store }. */
(function () {
  "use strict";

  var DOCUMENTS = window.AlveoleSignInDocuments;  // documents.js: trusted by the server as they are
  var TOKEN_KEY = "alveole:token";
  var USER_KEY = "alveole:user";

  // ---- Storage: this tab only; survives a reload, not the tab. ----

  function tabStorage() {
    try {
      return window.sessionStorage;
    } catch (error) {  // storage disabled: keep everything in memory
      var items = {};
      return {
        getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
        setItem: function (key, value) { items[key] = String(value); },
        removeItem: function (key) { delete items[key]; },
        key: function (index) { return Object.keys(items)[index] || null; },
        get length() { return Object.keys(items).length; }
      };
    }
  }

  var BAR = [
    '<form id="login-form" method="post" autocomplete="on">',
    '  <label>Email <input type="email" name="email" autocomplete="username" required disabled></label>',
    '  <label>Password <input type="password" name="password" autocomplete="current-password" required disabled></label>',
    '  <label title="Only needed when your email is used in several agencies">Agency',
    '    <input type="text" name="agency" autocomplete="organization" placeholder="(optional)" disabled></label>',
    '  <button type="submit" disabled>Log in</button>',
    "</form>",
    '<div id="session" hidden>',
    '  <span>Signed in as <strong id="session-user"></strong></span>',
    '  <button type="button" id="logout">Log out</button>',
    "</div>",
    '<span id="console-status" role="status" aria-live="polite"></span>'
  ].join("\n");

  function buildBar() {
    var title = document.querySelector("#console-bar h1");
    title.insertAdjacentHTML("afterend", BAR);
  }

  function start(options) {
    var $ = function (id) { return document.getElementById(id); };
    buildBar();
    var loginForm = $("login-form");
    var sessionBox = $("session");
    var sessionUser = $("session-user");
    var logoutButton = $("logout");
    var statusLine = $("console-status");
    var store = tabStorage();
    var endpoint = options.endpoint;

    var session = { token: store.getItem(TOKEN_KEY), user: null };
    try { session.user = JSON.parse(store.getItem(USER_KEY) || "null"); } catch (error) { session.user = null; }

    function save(token, user) {
      session.token = token;
      session.user = user;
      if (token) {
        store.setItem(TOKEN_KEY, token);
        store.setItem(USER_KEY, JSON.stringify(user));
      } else {
        store.removeItem(TOKEN_KEY);
        store.removeItem(USER_KEY);
      }
    }

    function withToken(init) {
      var headers = new Headers((init && init.headers) || {});
      if (session.token) headers.set("Authorization", "Bearer " + session.token);
      // No cookie is ever needed: the bearer token is the only credential.
      return Object.assign({}, init, { headers: headers, credentials: "omit" });
    }

    function authorisedFetch(input, init) {
      return window.fetch(input, withToken(init));
    }

    function post(query, variables) {
      return authorisedFetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ query: query, variables: variables || {} })
      }).then(function (response) {
        return response.json().catch(function () {
          throw new Error("The server answered " + response.status + " without JSON");
        });
      });
    }

    function errorText(body) {
      var error = body && body.errors && body.errors[0];
      if (!error) return null;
      var code = error.extensions && error.extensions.code;
      if (code === "UNAUTHENTICATED") {
        return "Wrong email or password (if your email serves several agencies, name yours in Agency).";
      }
      if (code === "RATE_LIMITED") {
        var wait = error.extensions.retryAfterSeconds;
        return "Too many failed attempts" + (wait ? ": try again in " + Math.ceil(wait / 60) + " min." : ".");
      }
      return error.message || "The server refused the request.";
    }

    function say(text, isError) {
      statusLine.textContent = text || "";
      statusLine.classList.toggle("console-error", Boolean(isError));
    }

    function showSession() {
      var signedIn = Boolean(session.token);
      loginForm.hidden = signedIn;
      sessionBox.hidden = !signedIn;
      sessionUser.textContent = signedIn && session.user
        ? session.user.name + " <" + session.user.email + "> · " + session.user.role
        : "";
    }

    function setBusy(form, busy) {
      Array.prototype.forEach.call(form.elements, function (element) { element.disabled = busy; });
    }

    function signedOut(message, isError) {
      save(null, null);
      showSession();
      options.onSignOut(message, isError);
      say(message, isError);
    }

    loginForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var email = loginForm.elements.email.value.trim();
      var password = loginForm.elements.password.value;
      // Staff emails are unique per agency: the agency is asked for only when the address serves several.
      var agency = loginForm.elements.agency.value.trim() || null;
      setBusy(loginForm, true);
      say("Signing in…");
      post(DOCUMENTS.login, { email: email, password: password, agency: agency }).then(function (body) {
        var problem = errorText(body);
        if (problem) throw new Error(problem);
        var login = body.data.login;
        loginForm.elements.password.value = "";
        save(login.token, login.user);
        showSession();
        options.onSignIn(login.user);
        say("Signed in until " + new Date(login.expiresAt).toLocaleString() + " (sooner when idle).");
      }).catch(function (error) {
        say(error.message, true);
      }).then(function () {
        setBusy(loginForm, false);
      });
    });

    logoutButton.addEventListener("click", function () {
      logoutButton.disabled = true;
      var done = function (message, isError) {
        signedOut(message, isError);
        logoutButton.disabled = false;
        loginForm.elements.email.focus();
      };
      post(DOCUMENTS.logout).then(function (body) {
        var problem = body.errors && body.errors[0];
        // An expired session is logged out already.
        if (problem && !(problem.extensions && problem.extensions.code === "UNAUTHENTICATED")) {
          done("Logged out here; the server answered: " + problem.message, true);
        } else {
          done("Logged out.");
        }
      }).catch(function (error) {
        done("Logged out here, but the server could not be reached: " + error.message, true);
      });
    });

    showSession();
    setBusy(loginForm, false);
    if (session.token) {
      // A reload: check that the stored session is still alive.
      post(DOCUMENTS.me).then(function (body) {
        if (body.errors) {
          signedOut("Your session has ended: please sign in again.", true);
        } else {
          save(session.token, body.data.me);
          showSession();
          options.onSignIn(body.data.me, true);
        }
      }).catch(function () { /* offline: keep the session, the page will say */ });
    } else {
      loginForm.elements.email.focus();
    }

    return { session: session, post: post, authorisedFetch: authorisedFetch, say: say, store: store };
  }

  window.AlveoleSignIn = { start: start };
})();
