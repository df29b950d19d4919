// Package layout holds the rules of which package of the project may
// import which (its test checks them): the data flows one way, from the
// sandbox to the browser, and no package reaches back up.
package layout
