/* The DPO's console: a login bar above GraphiQL (vendored, no CDN), and the example documents.

   - The session token is kept in this tab only (sessionStorage): never in localStorage, never in
     GraphiQL's headers editor. GraphiQL's fetcher adds "Authorization: Bearer <token>" itself.
   - GraphiQL's own state (tabs, history: they hold search terms) also lives in sessionStorage, and
     is wiped on logout together with what is on screen.
   - No inline script anywhere: the page runs under a CSP with script-src 'self'. */
(function () {
  "use strict";

  var React = window.React;
  var ReactDOM = window.ReactDOM;
  var GraphiQL = window.GraphiQL;
  var EXAMPLES = window.AlveoleExamples || [];
  var DOCUMENTS = window.AlveoleConsoleDocuments;  // documents.js: trusted by the server as they are
  var ENDPOINT = document.body.getAttribute("data-endpoint") || window.location.pathname;
  var TOKEN_KEY = "alveole:token";
  var USER_KEY = "alveole:user";
  var GRAPHIQL_PREFIX = "graphiql:";

  var $ = function (id) { return document.getElementById(id); };
  var loginForm = $("login-form");
  var sessionBox = $("session");
  var sessionUser = $("session-user");
  var logoutButton = $("logout");
  var statusLine = $("console-status");
  var examplesMenu = $("examples");

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
  var store = tabStorage();

  function keysWithPrefix(prefix) {
    var keys = [];
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) keys.push(key);
    }
    return keys;
  }

  // What GraphiQL's `storage` prop expects (the shape of its localStorage wrapper), over this tab's storage.
  var graphiqlStorage = {
    getItem: function (key) { return store.getItem(key); },
    setItem: function (key, value) { store.setItem(key, value); },
    removeItem: function (key) { store.removeItem(key); },
    clear: function () { keysWithPrefix(GRAPHIQL_PREFIX).forEach(function (key) { store.removeItem(key); }); },
    get length() { return keysWithPrefix(GRAPHIQL_PREFIX).length; }
  };

  var session = { token: store.getItem(TOKEN_KEY), user: null };
  try { session.user = JSON.parse(store.getItem(USER_KEY) || "null"); } catch (error) { session.user = null; }

  function saveSession(token, user) {
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

  // ---- Talking to /graphql. ----

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
    return authorisedFetch(ENDPOINT, {
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

  // ---- GraphiQL. ----

  var generation = 0;    // bumped on logout: a fresh GraphiQL, nothing left on screen
  var fetcher = null;    // a new one per session, so that GraphiQL introspects again
  var editor = null;     // GraphiQL's editor context, caught by EditorBridge
  var pendingExample = null;

  function newFetcher() {
    return GraphiQL.createFetcher({ url: ENDPOINT, fetch: authorisedFetch });
  }

  function applyExample(example) {
    if (editor.queryEditor) editor.queryEditor.setValue(example.query);
    if (editor.variableEditor) editor.variableEditor.setValue(example.variables || "");
  }

  // Rendered inside GraphiQL's toolbar only to reach its editor context (tabs, editors).
  function EditorBridge() {
    var context = GraphiQL.React.useEditorContext({ nonNull: true });
    var variablesShown = React.useRef(false);
    editor = context;
    React.useEffect(function () {
      // GraphiQL 3 opens its first default tab with an empty variables editor: show the tab's own.
      if (variablesShown.current || !context.variableEditor) return;
      variablesShown.current = true;
      var tab = context.tabs[context.activeTabIndex];
      if (tab && tab.variables && !context.variableEditor.getValue()) context.variableEditor.setValue(tab.variables);
    }, [context.variableEditor]);
    React.useEffect(function () {
      if (pendingExample && context.activeTabIndex === pendingExample.tabIndex) {
        var example = pendingExample.example;
        pendingExample = null;
        applyExample(example);
      }
    }, [context.activeTabIndex, context.tabs.length]);
    return null;
  }

  function openExample(example) {
    if (!editor) return;
    pendingExample = { example: example, tabIndex: editor.tabs.length };
    editor.addTab();  // EditorBridge fills the new tab once it is the active one
  }

  var root = ReactDOM.createRoot($("graphiql"));

  function render() {
    var props = {
      key: "graphiql-" + generation,
      fetcher: fetcher,
      storage: graphiqlStorage,
      shouldPersistHeaders: false,
      defaultTabs: EXAMPLES.map(function (example) {
        return { query: example.query, variables: example.variables };
      }),
      defaultEditorToolsVisibility: "variables",
      toolbar: { additionalContent: React.createElement(EditorBridge) }
    };
    if (!session.token) {
      // Introspection needs a session: don't ask (and don't show its error) before logging in.
      props.schema = null;
    }
    root.render(React.createElement(GraphiQL, props,
      React.createElement(GraphiQL.Logo, null, "Alvéole")));
  }

  // ---- The login bar. ----

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
      saveSession(login.token, login.user);
      fetcher = newFetcher();
      showSession();
      render();
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
      saveSession(null, null);
      graphiqlStorage.clear();
      generation += 1;
      fetcher = newFetcher();
      showSession();
      render();
      logoutButton.disabled = false;
      say(message, isError);
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

  EXAMPLES.forEach(function (example) {
    var option = document.createElement("option");
    option.value = example.id;
    option.textContent = example.label;
    examplesMenu.appendChild(option);
  });
  examplesMenu.addEventListener("change", function () {
    var chosen = EXAMPLES.filter(function (example) { return example.id === examplesMenu.value; })[0];
    examplesMenu.value = "";
    if (chosen) openExample(chosen);
  });

  // ---- Start. ----

  fetcher = newFetcher();
  showSession();
  render();
  setBusy(loginForm, false);
  examplesMenu.disabled = false;
  if (session.token) {
    // A reload: check that the stored session is still alive.
    post(DOCUMENTS.me).then(function (body) {
      if (body.errors) {
        saveSession(null, null);
        fetcher = newFetcher();
        showSession();
        render();
        say("Your session has ended: please sign in again.", true);
      } else {
        saveSession(session.token, body.data.me);
        showSession();
      }
    }).catch(function () { /* offline: keep the session, GraphiQL will say */ });
  } else {
    loginForm.elements.email.focus();
  }
})();
