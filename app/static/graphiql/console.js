/* The DPO's console: the sign-in bar (../signin.js) above GraphiQL (vendored, no CDN), and the example documents.

   - GraphiQL's fetcher adds "Authorization: Bearer <token>" itself; the token is never in its headers editor.
   - GraphiQL's own state (tabs, history: they hold search terms) also lives in this tab's sessionStorage,
     and is wiped on logout together with what is on screen.
   - No inline script anywhere: the page runs under a CSP with script-src 'self'. */
(function () {
  "use strict";

  var React = window.React;
  var ReactDOM = window.ReactDOM;
  var GraphiQL = window.GraphiQL;
  var EXAMPLES = window.AlveoleExamples || [];
  var ENDPOINT = document.body.getAttribute("data-endpoint") || window.location.pathname;
  var GRAPHIQL_PREFIX = "graphiql:";

  var examplesMenu = document.getElementById("examples");

  var generation = 0;    // bumped on logout: a fresh GraphiQL, nothing left on screen
  var fetcher = null;    // a new one per session, so that GraphiQL introspects again
  var editor = null;     // GraphiQL's editor context, caught by EditorBridge
  var pendingExample = null;

  var bar = window.AlveoleSignIn.start({
    endpoint: ENDPOINT,
    onSignIn: function (user, restored) {
      if (restored) return;  // the same session, still alive: GraphiQL has it already
      fetcher = newFetcher();
      render();
    },
    onSignOut: function () {
      graphiqlStorage.clear();
      generation += 1;
      fetcher = newFetcher();
      render();
    }
  });
  var store = bar.store;

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

  // ---- GraphiQL. ----

  function newFetcher() {
    return GraphiQL.createFetcher({ url: ENDPOINT, fetch: bar.authorisedFetch });
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

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));

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
    if (!bar.session.token) {
      // Introspection needs a session: don't ask (and don't show its error) before logging in.
      props.schema = null;
    }
    root.render(React.createElement(GraphiQL, props,
      React.createElement(GraphiQL.Logo, null, "Alvéole")));
  }

  // ---- The examples menu. ----

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
  render();
  examplesMenu.disabled = false;
})();
