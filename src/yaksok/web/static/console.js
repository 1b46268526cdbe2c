/* The staff console's only script: progressive enhancement, every page works without it.
   - an error summary takes the focus, so a screen reader hears it and Tab goes to the field. */
(function () {
  'use strict';
  var problem = document.getElementById('problem');
  if (problem) { problem.focus(); }
}());
